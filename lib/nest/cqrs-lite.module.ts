import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CommandBus } from '../core/command-bus.js';
import { EventBus } from '../core/event-bus.js';
import { EventPublisher } from '../core/event-publisher.js';
import { QueryBus } from '../core/query-bus.js';
import { QueryCache } from '../cache/query-cache.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import { busProviders, OPTIONS } from './bus.providers.js';
import {
  ConfigurableCqrsLiteModule,
  CQRS_LITE_ASYNC_OPTIONS_TYPE,
  CQRS_LITE_OPTIONS_TYPE,
} from './cqrs-lite.module-definition.js';
import { CqrsLiteExplorer } from './cqrs-lite.explorer.js';
import { CqrsLiteShutdown } from './cqrs-lite.shutdown.js';
import { createMessageValidation, MESSAGE_VALIDATION } from './message-validation.js';
import { CqrsLiteSagas } from './saga.explorer.js';

/**
 * Provides `CommandBus`, `QueryBus` and `EventBus` and registers every `@CommandHandler`,
 * `@QueryHandler` and `@EventsHandler` of the application on them, subscribes every `@Saga()`,
 * and provides `EventPublisher` for aggregates. Import once, in the root
 * module: `CqrsLiteModule.forRoot()` (global), or bare (`imports: [CqrsLiteModule]`, default
 * options, not global).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ...busProviders,
    { provide: MESSAGE_VALIDATION, useFactory: createMessageValidation, inject: [OPTIONS] },
    CqrsLiteExplorer,
    CqrsLiteSagas,
    CqrsLiteShutdown,
    {
      provide: EventPublisher,
      useFactory: (eventBus: EventBus) => new EventPublisher(eventBus),
      inject: [EventBus],
    },
    {
      provide: QueryCache,
      useFactory: (options?: CqrsLiteModuleOptions) =>
        new QueryCache(options?.cache, new Logger('QueryCache')),
      inject: [OPTIONS],
    },
  ],
  exports: [CommandBus, QueryBus, EventBus, EventPublisher, QueryCache, MESSAGE_VALIDATION],
})
export class CqrsLiteModule extends ConfigurableCqrsLiteModule {
  /** Configures the module with options known up front. Global unless `global: false`. */
  static override forRoot(options: typeof CQRS_LITE_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Configures the module with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof CQRS_LITE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
