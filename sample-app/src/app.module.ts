import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CqrsLiteModule } from 'nestjs-cqrs-lite';
import type { AppConfig } from './config.js';
import { ConfigModule } from './config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { CorrelationIdMiddleware } from './http/correlation-id.middleware.js';
import { HealthController } from './http/health.controller.js';
import { RequestSpanMiddleware } from './http/request-span.middleware.js';
import { ApiKeyMiddleware } from './middleware/api-key.middleware.js';
import { BusMiddlewareModule } from './middleware/bus-middleware.module.js';
import { LoggingMiddleware } from './middleware/logging.middleware.js';
import { TransactionMiddleware } from './middleware/transaction.middleware.js';
import { OrdersModule } from './orders/orders.module.js';
import { ReadModelModule } from './read-model/read-model.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * The application. Every message passes, outermost first:
 * - both buses: `LoggingMiddleware` (name, correlation id, duration, outcome);
 * - commands: `ApiKeyMiddleware` (permission check, before any database work), then
 *   `TransactionMiddleware` (all or nothing);
 * - then the package's validation (class-validator decorators on the message classes; unknown
 *   properties, e.g. a misspelt field in an order line, are refused), then the handler.
 *
 * Command handlers publish events (`UserRegistered`, `OrderPlaced`, `OrderCancelled`) and await
 * them; the event handlers (the read model, the order audit log) pass `LoggingMiddleware` and
 * validation, not the command-only middleware: they run inside the command's transaction.
 */
@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        BusMiddlewareModule,
        CqrsLiteModule.forRoot({
          middleware: [LoggingMiddleware],
          commandMiddleware: [ApiKeyMiddleware, TransactionMiddleware],
          validation: { whitelist: true, forbidNonWhitelisted: true },
          // One span per handler; printed with OTEL_TRACES_EXPORTER=console (see tracing.ts).
          tracing: true,
          // GetUserProfile and ListOrders are cached; the commands' @InvalidatesCache keep them fresh.
          cache: true,
        }),
        UsersModule,
        OrdersModule,
        ReadModelModule,
      ],
      controllers: [HealthController],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestSpanMiddleware, CorrelationIdMiddleware).forRoutes('*path');
  }
}
