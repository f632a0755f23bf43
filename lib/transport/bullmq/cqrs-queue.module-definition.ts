import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CqrsQueueModuleOptions, CqrsQueueWorkerModuleOptions } from './queue-options.interface.js';

/** Builds `forRoot` / `forRootAsync` of `CqrsQueueModule` (the sending side) and its options token. */
export const {
  ConfigurableModuleClass: ConfigurableCqrsQueueModule,
  /** DI token of the options given to `CqrsQueueModule.forRoot()` / `forRootAsync()`. */
  MODULE_OPTIONS_TOKEN: CQRS_QUEUE_OPTIONS,
  OPTIONS_TYPE: CQRS_QUEUE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CQRS_QUEUE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CqrsQueueModuleOptions>().setClassMethodName('forRoot').build();

/** Builds `worker` / `workerAsync` of `CqrsQueueModule` (the receiving side) and its options token. */
export const {
  ConfigurableModuleClass: ConfigurableCqrsQueueWorkerModule,
  /** DI token of the options given to `CqrsQueueModule.worker()` / `workerAsync()`. */
  MODULE_OPTIONS_TOKEN: CQRS_QUEUE_WORKER_OPTIONS,
  OPTIONS_TYPE: CQRS_QUEUE_WORKER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CQRS_QUEUE_WORKER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CqrsQueueWorkerModuleOptions>({ moduleName: 'CqrsQueueWorker' })
  .setClassMethodName('worker')
  .build();
