import { Global, Module } from '@nestjs/common';
import { ApiKeyMiddleware } from './api-key.middleware.js';
import { LoggingMiddleware } from './logging.middleware.js';
import { TransactionMiddleware } from './transaction.middleware.js';

/**
 * Provides the bus middleware as ordinary providers; `CqrsLiteModule.forRoot()` refers to them by
 * class and finds them here. There is one `TransactionMiddleware` per application, hence one
 * queue of commands per database connection.
 */
@Global()
@Module({
  providers: [LoggingMiddleware, ApiKeyMiddleware, TransactionMiddleware],
  exports: [LoggingMiddleware, ApiKeyMiddleware, TransactionMiddleware],
})
export class BusMiddlewareModule {}
