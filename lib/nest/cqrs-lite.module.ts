import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CommandBus } from '../core/command-bus.js';
import { InFlightTracker } from '../core/in-flight-tracker.js';
import { QueryBus } from '../core/query-bus.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import {
  ConfigurableCqrsLiteModule,
  CQRS_LITE_ASYNC_OPTIONS_TYPE,
  CQRS_LITE_MODULE_OPTIONS,
  CQRS_LITE_OPTIONS_TYPE,
} from './cqrs-lite.module-definition.js';
import { CqrsLiteExplorer } from './cqrs-lite.explorer.js';
import { CqrsLiteShutdown } from './cqrs-lite.shutdown.js';
import { createMessageValidation, MESSAGE_VALIDATION } from './message-validation.js';

/**
 * Provides `CommandBus` and `QueryBus` and registers every `@CommandHandler` / `@QueryHandler`
 * of the application on them. Import once, in the root module: `CqrsLiteModule.forRoot()`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    // One tracker for both buses: they close together, once neither has work in flight.
    { provide: InFlightTracker, useFactory: () => new InFlightTracker() },
    {
      provide: CommandBus,
      useFactory: (options: CqrsLiteModuleOptions, inFlight: InFlightTracker) =>
        new CommandBus({ propagateContext: options.propagateContext, inFlight }),
      inject: [CQRS_LITE_MODULE_OPTIONS, InFlightTracker],
    },
    {
      provide: QueryBus,
      useFactory: (options: CqrsLiteModuleOptions, inFlight: InFlightTracker) =>
        new QueryBus({ propagateContext: options.propagateContext, inFlight }),
      inject: [CQRS_LITE_MODULE_OPTIONS, InFlightTracker],
    },
    {
      provide: MESSAGE_VALIDATION,
      useFactory: createMessageValidation,
      inject: [CQRS_LITE_MODULE_OPTIONS],
    },
    CqrsLiteExplorer,
    CqrsLiteShutdown,
  ],
  exports: [CommandBus, QueryBus, MESSAGE_VALIDATION],
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
