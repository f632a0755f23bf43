import { resolve } from 'node:path';

/** Settings of the sample app. `configFromEnv()` reads them from the environment. */
export interface AppConfig {
  /** HTTP port. */
  readonly port: number;
  /** SQLite file (absolute), or `:memory:`. */
  readonly databasePath: string;
  /** The key every write must carry in the `x-api-key` header. */
  readonly apiKey: string;
}

/** DI token of the `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** The development key used when `API_KEY` is not set. */
export const DEFAULT_API_KEY = 'dev-key';

/**
 * Reads `PORT` (default 3000), `DATABASE_PATH` (default `./data/sample-app.db`, relative to the
 * working directory; `:memory:` allowed) and `API_KEY` (default `dev-key`).
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got '${env.PORT}'.`);
  }
  const rawPath = env.DATABASE_PATH || './data/sample-app.db';
  return {
    port,
    databasePath: rawPath === ':memory:' ? rawPath : resolve(process.cwd(), rawPath),
    apiKey: env.API_KEY || DEFAULT_API_KEY,
  };
}
