import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CommandBus } from '../core/command-bus.js';
import { QueryBus } from '../core/query-bus.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import {
  ConfigurableCqrsLiteModule,
  CQRS_LITE_ASYNC_OPTIONS_TYPE,
  CQRS_LITE_MODULE_OPTIONS,
  CQRS_LITE_OPTIONS_TYPE,
} from './cqrs-lite.module-definition.js';
import { CqrsLiteExplorer } from './cqrs-lite.explorer.js';

/**
 * Provides `CommandBus` and `QueryBus` and registers every `@CommandHandler` / `@QueryHandler`
 * of the application on them. Import once, in the root module: `CqrsLiteModule.forRoot()`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: CommandBus,
      useFactory: (options: CqrsLiteModuleOptions) =>
        new CommandBus({ propagateContext: options.propagateContext }),
      inject: [CQRS_LITE_MODULE_OPTIONS],
    },
    {
      provide: QueryBus,
      useFactory: (options: CqrsLiteModuleOptions) =>
        new QueryBus({ propagateContext: options.propagateContext }),
      inject: [CQRS_LITE_MODULE_OPTIONS],
    },
    CqrsLiteExplorer,
  ],
  exports: [CommandBus, QueryBus],
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
