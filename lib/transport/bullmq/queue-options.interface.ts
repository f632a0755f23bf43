import type { JobsOptions, RedisOptions } from 'bullmq';
import type { Type } from '../../core/messages.js';
import type { MessageAuthenticationOptions } from '../message-authentication.js';
import type { ReceiverSecurityOptions } from '../receiving.js';

/**
 * Where Redis is: `{ url: 'redis://host:6379' }` or ioredis options (`host`, `port`, `password`,
 * `tls`, …). The package creates its own connections from it, with the settings each role needs
 * (fail fast for senders, block for workers), so pass options rather than a client instance.
 */
export type QueueConnection = RedisOptions;

/** What the job options of a queued command may set (BullMQ `JobsOptions`). */
export type QueuedJobOptions = Pick<
  JobsOptions,
  'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail' | 'priority' | 'delay' | 'lifo'
>;

/** Options of a {@link CommandQueue}: the sending side of a durable command queue. */
export interface CommandQueueOptions {
  /** The BullMQ queue name; the worker must use the same name (and `prefix`). */
  queue: string;
  /** Where Redis is. */
  connection: QueueConnection;
  /** BullMQ key prefix (default `bull`). */
  prefix?: string;
  /**
   * Whether `dispatch()` resolves only when a worker has run the command (and rejects with its
   * error), instead of as soon as Redis has the job. Default `false`. Per dispatch: {@link queueHeaders}.
   */
  waitForCompletion?: boolean;
  /**
   * Bound on one dispatch in ms (default 10000): on enqueueing, and with `waitForCompletion` on
   * the whole wait for the worker. Per dispatch: {@link queueHeaders}.
   */
  timeout?: number;
  /**
   * Job options. Defaults: `attempts: 3`, `backoff: { type: 'exponential', delay: 1000 }`,
   * `removeOnComplete: { age: 86400 }` (a day: the window in which a re-sent envelope is not
   * run again), `removeOnFail: { age: 604800 }` (a week). `jobId` is always the envelope id.
   */
  jobOptions?: QueuedJobOptions;
  /**
   * HMAC-SHA256 message authentication: jobs are signed with `signingKey`; with
   * `waitForCompletion`, a completed job's result must be signed by a key in `verificationKeys`.
   */
  authentication?: MessageAuthenticationOptions;
}

/** Options of `CqrsQueueModule.forRoot()`: a {@link CommandQueue} and the commands routed to it. */
export interface CqrsQueueModuleOptions extends CommandQueueOptions {
  /** The command classes sent to this queue instead of to a local handler. */
  commands: Type[];
}

/** Options of a {@link CommandQueueWorker}: the receiving side of a durable command queue. */
export interface CommandQueueWorkerOptions extends Pick<
  ReceiverSecurityOptions,
  'allowHeaders' | 'limits' | 'authentication' | 'onRefused'
> {
  /** The BullMQ queue name, as on the sending side. */
  queue: string;
  /**
   * The command classes this worker runs (an allow-list): a job naming any other command fails
   * without running, even one registered on the worker's bus.
   */
  commands: Type[];
  /** Where Redis is. */
  connection: QueueConnection;
  /** BullMQ key prefix (default `bull`). */
  prefix?: string;
  /** Jobs run in parallel by this worker (default 1). */
  concurrency?: number;
  /**
   * How long a running job's lock lasts in ms (default 30000). The worker renews it every
   * `lockDuration / 2` while the handler runs; when the worker dies, the lock expires and the job
   * is run again elsewhere. A handler that blocks the event loop for longer than this loses its
   * lock and may run twice.
   */
  lockDuration?: number;
  /** How often in ms this worker looks for jobs whose worker died (default 30000). */
  stalledInterval?: number;
  /**
   * How many times a job whose worker died is put back to wait before it fails (default 2; BullMQ's
   * default of 1 would fail a job after a single crash and a restart).
   */
  maxStalledCount?: number;
  /** Called with errors of the worker's connection (they are retried, not thrown). Default: ignored. */
  onError?: (error: Error) => void;
}

/** Options of `CqrsQueueModule.worker()`. */
export type CqrsQueueWorkerModuleOptions = Omit<CommandQueueWorkerOptions, 'onError'>;
