import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsExceptionFilter } from 'nestjs-cqrs-lite';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config.js';
import { setupDocs } from './docs.js';
import { DomainExceptionFilter } from './http/domain-exception.filter.js';
import { SqliteErrorFilter } from './http/sqlite-error.filter.js';

/** Options of `createApp` beyond the configuration. */
export interface CreateAppOptions {
  /** Where log lines go (Nest's console logger by default). */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Builds the HTTP application (not yet listening): modules, exception filters and `/docs`.
 * `main.ts` and the end-to-end tests both start the app through here.
 */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger: options.logger,
    abortOnError: false,
  });
  // CqrsExceptionFilter (from the package): invalid message → 400 naming the failing properties,
  // no handler → 501. The other two are the sample's own.
  app.useGlobalFilters(new CqrsExceptionFilter(), new DomainExceptionFilter(), new SqliteErrorFilter());
  setupDocs(app);
  return app;
}
