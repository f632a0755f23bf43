import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import {
  ConfigurableCqrsQueueModule,
  ConfigurableCqrsQueueWorkerModule,
  CQRS_QUEUE_ASYNC_OPTIONS_TYPE,
  CQRS_QUEUE_OPTIONS_TYPE,
  CQRS_QUEUE_WORKER_ASYNC_OPTIONS_TYPE,
  CQRS_QUEUE_WORKER_OPTIONS_TYPE,
} from './cqrs-queue.module-definition.js';
import { CqrsQueueSender, CqrsQueueWorker } from './cqrs-queue.providers.js';

/** Options computed by a factory, for `forRootAsync()` / `workerAsync()` (one of the forms they accept). */
export interface CqrsQueueAsyncOptions<T> {
  /** Modules whose providers the factory needs. */
  imports?: ModuleMetadata['imports'];
  /** Providers given to the factory, in order. */
  inject?: any[];
  /** Returns the options. */
  useFactory: (...args: any[]) => T | Promise<T>;
}

/**
 * Durable commands over BullMQ. Import next to `CqrsLiteModule.forRoot()` (which must stay global,
 * its default): `forRoot()` in the applications that send commands, `worker()` in those that run
 * them (one application may do both). Built with Nest's `ConfigurableModuleBuilder`, as the other
 * modules of the package.
 */
@Module({})
export class CqrsQueueModule extends ConfigurableCqrsQueueModule {
  /** Sends `options.commands` to the queue instead of to local handlers. */
  static override forRoot(options: typeof CQRS_QUEUE_OPTIONS_TYPE): DynamicModule {
    return sender(super.forRoot(options));
  }

  /** `forRoot()` with options from a factory, class or existing provider (e.g. the Redis URL from `ConfigService`). */
  static override forRootAsync(options: typeof CQRS_QUEUE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return sender(super.forRootAsync(options));
  }

  /** Runs the commands listed in `options.commands`, queued in `options.queue`, on this application's `CommandBus`. */
  static worker(options: typeof CQRS_QUEUE_WORKER_OPTIONS_TYPE): DynamicModule {
    return worker(ConfigurableCqrsQueueWorkerModule.worker(options));
  }

  /** `worker()` with options from a factory, class or existing provider. */
  static workerAsync(options: typeof CQRS_QUEUE_WORKER_ASYNC_OPTIONS_TYPE): DynamicModule {
    return worker(ConfigurableCqrsQueueWorkerModule.workerAsync(options));
  }
}

function sender(module: DynamicModule): DynamicModule {
  return {
    ...module,
    module: CqrsQueueModule,
    providers: [...(module.providers ?? []), CqrsQueueSender],
    exports: [...(module.exports ?? []), CqrsQueueSender],
  };
}

function worker(module: DynamicModule): DynamicModule {
  return {
    ...module,
    module: CqrsQueueModule,
    providers: [...(module.providers ?? []), CqrsQueueWorker],
    exports: [...(module.exports ?? []), CqrsQueueWorker],
  };
}
