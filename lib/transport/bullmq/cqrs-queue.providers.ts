import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { forwardingMiddleware, localBuses } from '../transport-nest.js';
import { CommandQueue } from './command-queue.js';
import { CommandQueueWorker } from './command-queue-worker.js';
import { CQRS_QUEUE_OPTIONS, CQRS_QUEUE_WORKER_OPTIONS } from './cqrs-queue.module-definition.js';
import type { CqrsQueueModuleOptions, CqrsQueueWorkerModuleOptions } from './queue-options.interface.js';

/**
 * The sending side in Nest: routes the configured commands to the queue in `onModuleInit` (a local
 * handler for one of them fails init with `DuplicateHandlerError`), and closes the queue in
 * `onApplicationShutdown`, after the buses have drained.
 */
@Injectable()
export class CqrsQueueSender implements OnModuleInit, OnApplicationShutdown {
  /** The queue the commands go to. */
  readonly commandQueue: CommandQueue;
  private unroute: (() => void) | undefined;

  constructor(
    @Inject(CQRS_QUEUE_OPTIONS) private readonly options: CqrsQueueModuleOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {
    this.commandQueue = new CommandQueue(options);
  }

  /** Registers the forwarding handlers. */
  onModuleInit(): void {
    const { commandBus } = localBuses(this.moduleRef);
    try {
      this.unroute = this.commandQueue.route(
        commandBus,
        this.options.commands,
        forwardingMiddleware(this.moduleRef),
      );
    } catch (error) {
      // Init fails: release the connection now. Nest 11 runs no shutdown hook after a failed
      // init (its close() rethrows the init error), so onApplicationShutdown would never close it.
      void this.commandQueue.close();
      throw error;
    }
  }

  /** Unregisters them and closes the queue's connections. */
  async onApplicationShutdown(): Promise<void> {
    this.unroute?.();
    await this.commandQueue.close();
  }
}

/**
 * The receiving side in Nest: starts the worker in `onApplicationBootstrap` (every handler is
 * registered by then) and closes it in `onModuleDestroy`, waiting for the jobs it is running, before
 * `CqrsLiteModule` drains the buses (when it is global, its default: Nest runs the `onModuleDestroy`
 * hooks of global modules last).
 */
@Injectable()
export class CqrsQueueWorker implements OnApplicationBootstrap, OnModuleDestroy {
  /** The worker, once the application has started. */
  commandQueueWorker: CommandQueueWorker | undefined;
  private readonly logger = new Logger('CqrsQueueModule');
  private lastError = '';

  constructor(
    @Inject(CQRS_QUEUE_WORKER_OPTIONS) private readonly options: CqrsQueueWorkerModuleOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  /** Starts taking jobs. */
  onApplicationBootstrap(): void {
    const { options } = this;
    const { commandBus } = localBuses(this.moduleRef);
    this.commandQueueWorker ??= new CommandQueueWorker(commandBus, {
      ...options,
      onError: (error) => {
        // A Redis outage repeats the same error on every reconnection attempt: say it once.
        if (error.message === this.lastError) return;
        this.lastError = error.message;
        this.logger.warn(`Worker of queue '${options.queue}': ${error.message}`);
      },
    });
    this.commandQueueWorker.start();
  }

  /** Stops taking jobs and waits for the running ones. */
  async onModuleDestroy(): Promise<void> {
    await this.commandQueueWorker?.close();
  }
}
