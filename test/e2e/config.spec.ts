import { join } from 'node:path';
import { configFromEnv } from '../../sample-app/src/config.js';

describe('configuration from the environment', () => {
  it('defaults: PORT 3000, ./data/sample-app.db under the working directory, API key dev-key', () => {
    expect(configFromEnv({})).toEqual({
      port: 3000,
      databasePath: join(process.cwd(), 'data', 'sample-app.db'),
      apiKey: 'dev-key',
    });
  });

  it('reads PORT, DATABASE_PATH (relative to the working directory) and API_KEY', () => {
    expect(configFromEnv({ PORT: '8080', DATABASE_PATH: 'var/app.db', API_KEY: 'secret' })).toEqual({
      port: 8080,
      databasePath: join(process.cwd(), 'var', 'app.db'),
      apiKey: 'secret',
    });
    expect(configFromEnv({ DATABASE_PATH: '/tmp/abs.db' }).databasePath).toBe('/tmp/abs.db');
  });

  it('keeps :memory: as is', () => {
    expect(configFromEnv({ DATABASE_PATH: ':memory:' }).databasePath).toBe(':memory:');
  });

  it('refuses a PORT that is not a port number', () => {
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => configFromEnv({ PORT: '70000' })).toThrow(/PORT/);
  });
});
