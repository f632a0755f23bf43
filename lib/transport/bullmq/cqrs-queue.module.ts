import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import {
  CQRS_QUEUE_OPTIONS,
  CQRS_QUEUE_WORKER_OPTIONS,
  CqrsQueueSender,
  CqrsQueueWorker,
} from './cqrs-queue.providers.js';
import type { CqrsQueueModuleOptions, CqrsQueueWorkerModuleOptions } from './queue-options.interface.js';

/** Options computed by a factory, for `forRootAsync()` / `workerAsync()`. */
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
 * them (one application may do both).
 */
@Module({})
export class CqrsQueueModule {
  /** Sends `options.commands` to the queue instead of to local handlers. */
  static forRoot(options: CqrsQueueModuleOptions): DynamicModule {
    return CqrsQueueModule.forRootAsync({ useFactory: () => options });
  }

  /** `forRoot()` with options from a factory (e.g. the Redis URL from `ConfigService`). */
  static forRootAsync(options: CqrsQueueAsyncOptions<CqrsQueueModuleOptions>): DynamicModule {
    return {
      module: CqrsQueueModule,
      imports: options.imports ?? [],
      providers: [
        { provide: CQRS_QUEUE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        CqrsQueueSender,
      ],
      exports: [CqrsQueueSender],
    };
  }

  /** Runs the commands queued in `options.queue` on this application's `CommandBus`. */
  static worker(options: CqrsQueueWorkerModuleOptions): DynamicModule {
    return CqrsQueueModule.workerAsync({ useFactory: () => options });
  }

  /** `worker()` with options from a factory. */
  static workerAsync(options: CqrsQueueAsyncOptions<CqrsQueueWorkerModuleOptions>): DynamicModule {
    return {
      module: CqrsQueueModule,
      imports: options.imports ?? [],
      providers: [
        { provide: CQRS_QUEUE_WORKER_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        CqrsQueueWorker,
      ],
      exports: [CqrsQueueWorker],
    };
  }
}
