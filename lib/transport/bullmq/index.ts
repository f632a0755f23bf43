/**
 * nestjs-cqrs-lite/transport/bullmq: durable commands over BullMQ and Redis. A command routed to a
 * queue is accepted once Redis has it and run at least once by a worker. Needs `bullmq` and
 * `ioredis`.
 * @module
 */
export { CommandQueue, DEFAULT_QUEUE_TIMEOUT } from './command-queue.js';
export { CommandQueueWorker, DEFAULT_MAX_STALLED_COUNT } from './command-queue-worker.js';
export { CqrsQueueModule, type CqrsQueueAsyncOptions } from './cqrs-queue.module.js';
export { CQRS_QUEUE_OPTIONS, CQRS_QUEUE_WORKER_OPTIONS } from './cqrs-queue.module-definition.js';
export { CqrsQueueSender, CqrsQueueWorker } from './cqrs-queue.providers.js';
export {
  ATTEMPT_HEADER,
  TIMEOUT_HEADER,
  WAIT_HEADER,
  queueHeaders,
  type QueueDispatchSettings,
} from './queue-headers.js';
export type {
  CommandQueueOptions,
  CommandQueueWorkerOptions,
  CqrsQueueModuleOptions,
  CqrsQueueWorkerModuleOptions,
  QueueConnection,
  QueuedJobOptions,
} from './queue-options.interface.js';
export {
  EnvelopeConflictError,
  InvalidTimeoutError,
  InvalidTransportOptionsError,
  MessageAuthenticationError,
  RemoteError,
  RemoteHandlerNotFoundError,
  RemoteTimeoutError,
  TransportUnavailableError,
} from '../remote-errors.js';
export { REMOTE_TIMEOUT_HEADER } from '../remote-timeout.js';
