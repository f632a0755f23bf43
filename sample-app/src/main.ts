import 'reflect-metadata';
import './tracing.js';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { configFromEnv, DEFAULT_API_KEY } from './config.js';

/** Reads the configuration from the environment, starts the app, and stops it on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = configFromEnv();
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port);
  const logger = new Logger('Main');
  logger.log(`Listening on ${await app.getUrl()} (docs at /docs), database ${config.databasePath}`);
  if (config.apiKey === DEFAULT_API_KEY) {
    logger.warn(`API_KEY is not set: writes accept the development key '${DEFAULT_API_KEY}'.`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
