import { Worker, type Job } from 'bullmq';
import type { CommandBus } from '../../core/command-bus.js';
import { COMPLETED, jobFailure } from './job-outcome.js';
import { ATTEMPT_HEADER } from './queue-headers.js';
import type { CommandQueueWorkerOptions } from './queue-options.interface.js';
import { EnvelopeReceiver } from '../receiving.js';
import { InvalidTransportOptionsError } from '../remote-errors.js';
import type { WireReply } from '../wire.js';

/** Default `maxStalledCount`: a job survives two worker crashes before it fails. */
export const DEFAULT_MAX_STALLED_COUNT = 2;

/**
 * The receiving side of a durable command queue: a BullMQ worker that runs each job's envelope
 * through the shared receiver (limits, authentication, the job name binding the envelope's, the
 * `commands` allow-list, untrusted headers dropped) on a local `CommandBus` with
 * `dispatchEnvelope()`, so the bus's middleware and validation apply and
 * the handler's context continues the sender's (id, correlation, headers), plus the attempt number
 * in the `cqrs-attempt` header. A job whose worker dies is run again by another worker
 * (at-least-once). Framework-free; `CqrsQueueModule.worker()` wires it into Nest.
 */
export class CommandQueueWorker {
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;

  private readonly receiver: EnvelopeReceiver;

  constructor(
    commandBus: CommandBus,
    private readonly options: CommandQueueWorkerOptions,
  ) {
    if (!Array.isArray(options.commands)) {
      throw new InvalidTransportOptionsError(
        `The worker of queue '${options.queue}' needs commands: the command classes it runs (an allow-list).`,
      );
    }
    // Concurrency is BullMQ's (option concurrency): the receiver does not queue jobs itself.
    this.receiver = new EnvelopeReceiver(
      { commandBus },
      options,
      { transport: 'bullmq', role: 'consumer' },
      false,
    );
  }

  /** The BullMQ worker, once started (for its events and metrics). */
  get bullWorker(): Worker | undefined {
    return this.worker;
  }

  /** Starts taking jobs. Idempotent. */
  start(): void {
    if (this.worker) return;
    const { queue, connection, prefix, concurrency, lockDuration, stalledInterval, maxStalledCount } =
      this.options;
    const worker = new Worker(queue, (job) => this.process(job), {
      connection: { ...connection },
      autorun: false,
      concurrency: concurrency ?? 1,
      maxStalledCount: maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
      ...(prefix === undefined ? {} : { prefix }),
      ...(lockDuration === undefined ? {} : { lockDuration }),
      ...(stalledInterval === undefined ? {} : { stalledInterval }),
    });
    const onError = this.options.onError ?? (() => undefined);
    worker.on('error', onError);
    this.worker = worker;
    this.running = worker.run().catch(onError);
  }

  /**
   * Stops taking jobs and waits for the running ones to finish (their handlers are not
   * interrupted), then closes the worker's connections.
   */
  async close(): Promise<void> {
    if (!this.worker) return;
    await this.worker.close();
    await this.running;
  }

  private async process(job: Job): Promise<WireReply> {
    // attemptsStarted counts runs cut short by a dead worker too; attemptsMade only failures.
    const attempt = Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1);
    try {
      // The job's name binds the envelope's, as a subject does.
      await this.receiver.run('command', job.name, job.data, { [ATTEMPT_HEADER]: String(attempt) });
    } catch (error) {
      throw jobFailure(error);
    }
    return this.receiver.sign(COMPLETED, job.data);
  }
}
