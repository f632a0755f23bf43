import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CommandBus } from '../../core/command-bus.js';
import { CqrsError, EnvelopeError } from '../../core/errors.js';
import type { Envelope } from '../../core/envelope.js';
import type { Middleware } from '../../core/middleware.js';
import type { Type } from '../../core/messages.js';
import { describeError } from '../../core/names.js';
import { registerForwarders, type ForwardingEngine } from '../forwarding.js';
import { canonicalJson, MessageAuthenticator } from '../message-authentication.js';
import {
  EnvelopeConflictError,
  RemoteError,
  RemoteTimeoutError,
  TransportUnavailableError,
} from '../remote-errors.js';
import { assertTimeout } from '../remote-timeout.js';
import { DeadlineExceeded, withDeadline } from './deadline.js';
import { completedJobResult, failedJobError } from './job-outcome.js';
import type { CommandQueueOptions, QueuedJobOptions } from './queue-options.interface.js';
import { readQueueHeaders, WAIT_HEADER, type QueueDispatchSettings } from './queue-headers.js';
import { createSenderConnection, describeConnection, isDown, whenConnected } from './redis-connection.js';

/** Default bound on one dispatch, in ms. */
export const DEFAULT_QUEUE_TIMEOUT = 10_000;

const DEFAULT_JOB_OPTIONS: QueuedJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Bound on closing the queue's connections when the application stops. */
const CLOSE_TIMEOUT = 2_000;

/**
 * The sending side of a durable command queue on BullMQ. `route(commandBus, [PlaceOrder])` makes
 * `commandBus.dispatch(new PlaceOrder(...))` put the command in Redis as a job (its envelope as the
 * data, the envelope id as the job id) instead of running a local handler. The dispatch resolves
 * once Redis has the job, or with `waitForCompletion` once a worker has run it, and rejects with
 * `TransportUnavailableError` (Redis unreachable), `RemoteTimeoutError` (no outcome within the
 * timeout) or the worker's error. Framework-free; `CqrsQueueModule.forRoot()` wires it into Nest.
 */
export class CommandQueue {
  /** The BullMQ queue (for its getters, metrics or a dashboard; add jobs through the bus). */
  readonly queue: Queue;
  private readonly redis: Redis;
  private readonly where: string;
  private readonly timeout: number;
  private readonly jobOptions: QueuedJobOptions;
  private events: Promise<QueueEvents> | undefined;
  private closing: Promise<void> | undefined;
  private connecting: Promise<void> | undefined;
  private readonly authenticator: MessageAuthenticator | undefined;

  constructor(private readonly options: CommandQueueOptions) {
    this.timeout = assertTimeout(
      options.timeout ?? DEFAULT_QUEUE_TIMEOUT,
      `CommandQueue '${options.queue}': timeout`,
    );
    this.authenticator =
      options.authentication &&
      new MessageAuthenticator(options.authentication, `CommandQueue '${options.queue}'`);
    this.jobOptions = { ...DEFAULT_JOB_OPTIONS, ...options.jobOptions };
    this.where = describeConnection(options.connection);
    this.redis = createSenderConnection(options.connection, Math.min(this.timeout, 10_000));
    this.queue = new Queue(options.queue, {
      connection: this.redis,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    });
    this.queue.on('error', () => undefined);
  }

  /**
   * Registers on `bus`, for each of `types`, a handler that sends the command to this queue
   * (continuing the dispatch's context: same id, correlation, causation, timestamp and headers).
   * `middlewareFor` gives each registration its own middleware (the Nest module passes validation,
   * so an invalid command is refused before it is queued). Returns a function that unregisters them all.
   */
  route(bus: CommandBus, types: readonly Type[], middlewareFor?: (type: Type) => Middleware[]): () => void {
    const engine: ForwardingEngine = {
      role: 'producer',
      timeout: this.timeout,
      carriesDeadline: false,
      senderHeaders: [WAIT_HEADER],
      where: `CommandQueue '${this.options.queue}'`,
      handlerName: () => `CommandQueue(${this.options.queue})`,
      send: ({ envelope, timeout, context }, target) =>
        this.send(envelope, { ...readQueueHeaders(context.headers).settings, timeout }, target.messageType),
    };
    return registerForwarders(bus, 'command', types, engine, {
      ...(middlewareFor ? { middlewareFor } : {}),
      ...(this.options.authentication ? { authentication: this.options.authentication } : {}),
    });
  }

  /**
   * Puts an envelope in the queue as a job whose id is the envelope id: sending the same envelope
   * again adds nothing while the first job is kept (see `removeOnComplete`), and with
   * `waitForCompletion` waits for that first job's outcome. The `cqrs-timeout` / `cqrs-wait`
   * headers (see `queueHeaders`) override the queue's settings and are not forwarded; `settings`
   * overrides both.
   */
  async send(
    envelope: Envelope,
    settings: QueueDispatchSettings = {},
    messageType: Function = namedType(envelope.name),
  ): Promise<void> {
    const fromHeaders = readQueueHeaders(envelope.headers);
    const timeout = settings.timeout ?? fromHeaders.settings.timeout ?? this.timeout;
    const wait =
      settings.waitForCompletion ??
      fromHeaders.settings.waitForCompletion ??
      this.options.waitForCompletion ??
      false;
    const data: Envelope = { ...envelope, headers: fromHeaders.forwarded };
    const jobId = jobIdOf(envelope.id);
    const deadline = Date.now() + timeout;

    const job = await this.bounded(
      envelope.name,
      () => this.addOnce(jobId, data),
      'was not queued',
      timeout,
      timeout,
      'may or may not have been queued',
    );
    if (!wait) return;

    const events = await this.bounded(
      envelope.name,
      () => this.queueEvents(),
      `was queued (job ${jobId}) but its completion cannot be watched`,
      deadline - Date.now(),
      timeout,
    );
    await this.waitForOutcome(job, events, envelope.name, timeout, deadline, messageType, envelope.id);
  }

  /**
   * Adds the job, or finds the one already queued under its id (BullMQ keeps the first and
   * silently ignores the second): a re-send of the same envelope is accepted, one reusing its id
   * for another message is refused with `EnvelopeConflictError`.
   */
  private async addOnce(jobId: string, data: Envelope): Promise<Job> {
    // Both on one connection, in the same round trip. Whichever Redis runs first, a job that
    // already existed is read as it was stored (the add leaves an existing job alone), and a new
    // one reads as absent or as ours: only a real conflict differs.
    const [job, stored] = await Promise.all([
      this.queue.add(data.name, data, { ...this.jobOptions, jobId }),
      this.redis.hget(this.queue.toKey(jobId), 'data'),
    ]);
    if (stored !== null && !sameMessage(parseStored(stored), data)) {
      throw new EnvelopeConflictError(this.options.queue, jobId);
    }
    return job;
  }

  /** Closes the queue's connections (bounded: a Redis that is down does not block shutdown). */
  close(): Promise<void> {
    return (this.closing ??= this.closeAll());
  }

  private async closeAll(): Promise<void> {
    // Closed while its connection is still being made (an application whose init failed): let
    // that attempt finish, bounded, so BullMQ's first commands are answered rather than cut off
    // (BullMQ 5.13, the lowest the peer range allows, reports those as unhandled rejections).
    if (!isDown(this.redis) && this.redis.status !== 'ready') {
      await withDeadline(whenConnected(this.redis), CLOSE_TIMEOUT).catch(() => undefined);
    }
    const events = await this.events?.catch(() => undefined);
    const up = this.redis.status === 'ready';
    const closing = Promise.allSettled([up ? this.queue.close() : undefined, events?.close()]);
    // With Redis down, a graceful close would wait for a reconnection: drop the connections
    // instead (which also stops their reconnecting). The queue's connection is ours; BullMQ
    // leaves a connection it was given alone.
    if (!up) return this.dropConnections(events);
    await withDeadline(closing, CLOSE_TIMEOUT).catch(() => this.dropConnections(events));
    this.redis.disconnect();
  }

  private dropConnections(events: QueueEvents | undefined): void {
    this.redis.disconnect();
    events?.disconnect().catch(() => undefined);
  }

  /**
   * Runs one Redis step once connected, for at most `ms` in all, turning every failure into the
   * transport's errors (`timeout` is the dispatch's whole bound, for the error message). A
   * connection that is down, or whose connection attempt fails, fails the step at once.
   */
  private async bounded<T>(
    name: string,
    step: () => Promise<T>,
    outcome: string,
    ms: number,
    timeout: number,
    outcomeDuring = outcome,
  ): Promise<T> {
    if (this.closing) {
      throw new TransportUnavailableError(
        name,
        `the queue '${this.options.queue}' is closed; the command ${outcome}`,
      );
    }
    const started = Date.now();
    try {
      await withDeadline(this.connected(), ms);
    } catch (error) {
      const detail =
        error instanceof DeadlineExceeded ? `no connection within ${ms} ms` : describeError(error);
      throw this.unavailable(name, outcome, detail);
    }
    try {
      return await withDeadline(step(), ms - (Date.now() - started));
    } catch (error) {
      if (error instanceof CqrsError) throw error;
      if (error instanceof DeadlineExceeded) {
        if (this.redis.status !== 'ready') {
          throw this.unavailable(name, outcomeDuring, `the connection was lost (${this.redis.status})`);
        }
        throw new RemoteTimeoutError(name, timeout);
      }
      // The command reached Redis, or not: the error must not say it was not queued.
      throw this.unavailable(name, outcomeDuring, describeError(error), error);
    }
  }

  /** `whenConnected`, shared by the dispatches waiting for one connection attempt. */
  private connected(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    this.connecting ??= whenConnected(this.redis).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private unavailable(
    name: string,
    outcome: string,
    detail: string,
    cause?: unknown,
  ): TransportUnavailableError {
    return new TransportUnavailableError(
      name,
      `${this.where} (queue '${this.options.queue}') is unreachable (${detail}); the command ${outcome}. ` +
        `Retry later: re-sending the same envelope does not queue it twice.`,
      cause === undefined ? undefined : { cause },
    );
  }

  private async waitForOutcome(
    job: Job,
    events: QueueEvents,
    name: string,
    timeout: number,
    deadline: number,
    messageType: Function,
    requestId: string,
  ): Promise<void> {
    const remaining = deadline - Date.now();
    // BullMQ's own ttl only cleans its listeners up; ours decides, a little earlier.
    const finished = job.waitUntilFinished(events, remaining + 1000);
    let returnValue: unknown;
    try {
      returnValue = await withDeadline(finished, remaining);
    } catch (error) {
      if (error instanceof DeadlineExceeded) throw new RemoteTimeoutError(name, timeout);
      if (this.closing) {
        throw new TransportUnavailableError(
          name,
          `the queue '${this.options.queue}' closed while waiting for job ${job.id}`,
        );
      }
      const reason = describeError(error);
      if (reason.startsWith('Missing key for job')) {
        throw new RemoteError(
          'JobRemovedError',
          'CQRS_JOB_REMOVED',
          `Job ${job.id} finished and was removed before its outcome could be read: keep finished jobs ` +
            `for a while (removeOnComplete / removeOnFail with an age, as by default) to wait for completion.`,
        );
      }
      throw failedJobError(reason, 'command', messageType);
    }
    completedJobResult(
      returnValue,
      'command',
      messageType,
      this.authenticator && { authenticator: this.authenticator, requestId },
    );
  }

  /**
   * The queue's event stream reader, created on first use. It starts reading after the last event
   * already in the stream, read before it connects, so no event between a job's state check and
   * the first blocking read is missed.
   */
  private queueEvents(): Promise<QueueEvents> {
    this.events ??= this.openQueueEvents().catch((error) => {
      this.events = undefined;
      throw error;
    });
    return this.events;
  }

  private async openQueueEvents(): Promise<QueueEvents> {
    const last = await this.redis.xrevrange(this.queue.keys.events!, '+', '-', 'COUNT', 1);
    const events = new QueueEvents(this.options.queue, {
      connection: { ...this.options.connection },
      lastEventId: last[0]?.[0] ?? '0-0',
      ...(this.options.prefix === undefined ? {} : { prefix: this.options.prefix }),
    });
    events.on('error', () => undefined);
    await events.waitUntilReady();
    return events;
  }
}

/** BullMQ refuses job ids that are integers or contain ':'; a context id (a UUID) never is. */
function jobIdOf(id: string): string {
  if (/^\d+$/.test(id) || id.includes(':')) {
    throw new EnvelopeError('id', `cannot be a BullMQ job id ('${id}' is an integer or contains ':')`);
  }
  return id;
}

/** A stand-in class for error messages when only the message name is known. */
function namedType(name: string): Function {
  const type = class {};
  Object.defineProperty(type, 'name', { value: name });
  return type;
}

function parseStored(json: string): Envelope | undefined {
  try {
    return JSON.parse(json) as Envelope;
  } catch {
    return undefined;
  }
}

/** Whether a stored job holds the same message as a re-sent envelope (its headers may differ, e.g. the trace context). */
function sameMessage(stored: Envelope | undefined, sent: Envelope): boolean {
  return (
    stored?.name === sent.name &&
    stored.version === sent.version &&
    stored.kind === sent.kind &&
    canonicalJson(stored.payload) === canonicalJson(sent.payload)
  );
}
