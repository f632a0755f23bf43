import type { ConsumerConfig, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { BusShutDownError, CqrsError, EventHandlerError, MessageValidationError } from '../../core/errors.js';
import type { EventBus } from '../../core/event-bus.js';
import { getMessageMetadata, type Type } from '../../core/messages.js';
import { describeError } from '../../core/names.js';
import { EnvelopeReceiver } from '../receiving.js';
import { JetStreamOptionsError } from './jetstream-errors.js';
import type { JetStreamEventStream } from './jetstream-event-stream.js';
import {
  DELIVERY_ATTEMPT_HEADER,
  PARKED_ATTEMPTS_HEADER,
  PARKED_ERROR_HEADER,
  PARKED_REASON_HEADER,
  PARKED_SEQUENCE_HEADER,
} from './jetstream-headers.js';
import type { MessageAuthenticationOptions } from '../message-authentication.js';
import type { JetStreamConsumeOptions, ParkedEvent } from './jetstream-options.interface.js';
import { jetStreamPeer, natsPeer } from './jetstream-peers.js';

/** Default attempts per event before it is parked. */
export const DEFAULT_MAX_DELIVER = 5;

/** Default waits before each retry, in milliseconds (the last one repeats). */
export const DEFAULT_BACKOFF: readonly number[] = [1_000, 5_000, 30_000];

/** Default acknowledgement wait of a consumer, in milliseconds. */
export const DEFAULT_ACK_WAIT = 30_000;

const DURABLE = /^[A-Za-z0-9_-]+$/;
const MS = 1_000_000;

/** One event class consumed by one durable consumer. */
interface ConsumedEvent {
  readonly name: string;
  readonly consumer: string;
  readonly subject: string;
  readonly deadLetterSubject: string;
}

/**
 * The durable consumption of one service: one durable pull consumer `<durable>_<event name>` per
 * event class, filtered on its subject. Each message is published on the local `EventBus`
 * (`publishEnvelope`) with the header `cqrs-delivery-attempt`, and acknowledged only once every
 * handler has settled. A failed attempt is retried after the backoff; after `maxDeliver` attempts,
 * or at once for an envelope that cannot be read, the event is parked on the dead-letter subject
 * and terminated (never redelivered). Messages of one consumer are handled one after the other.
 */
export class JetStreamEventConsumer {
  private readonly events: ConsumedEvent[];
  private readonly maxDeliver: number;
  private readonly backoff: readonly number[];
  private readonly running: Promise<void>[] = [];
  private readonly subscriptions: ConsumerMessages[] = [];
  private readonly receiver: EnvelopeReceiver;
  private stopped = false;

  constructor(
    private readonly stream: JetStreamEventStream,
    eventBus: EventBus,
    private readonly options: JetStreamConsumeOptions,
    private readonly log: (message: string) => void,
    authentication?: MessageAuthenticationOptions,
  ) {
    if (typeof options.durable !== 'string' || !DURABLE.test(options.durable)) {
      throw new JetStreamOptionsError(
        'consume.durable',
        `must be the service's name in letters, digits, '_' and '-' (got ${String(options.durable)})`,
      );
    }
    this.maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
    if (!Number.isInteger(this.maxDeliver) || this.maxDeliver < 1) {
      throw new JetStreamOptionsError('consume.maxDeliver', `must be a whole number of attempts ≥ 1`);
    }
    this.backoff = options.backoff?.length ? options.backoff : DEFAULT_BACKOFF;
    const { allowHeaders, limits, onRefused } = options;
    // Messages of one consumer are handled one at a time: no concurrency limit on top.
    this.receiver = new EnvelopeReceiver(
      { eventBus },
      { events: options.events, allowHeaders, limits, onRefused, authentication },
      { transport: 'jetstream', role: 'consumer' },
      false,
    );
    this.events = (options.events ?? []).map((type: Type) => {
      const name = getMessageMetadata(type).name;
      return {
        name,
        consumer: `${options.durable}_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
        subject: stream.subjectOf(name),
        deadLetterSubject: stream.deadLetterSubjectOf(options.durable, name),
      };
    });
  }

  /** Creates the missing durable consumers and starts consuming. Resolves once all are consuming. */
  async start(): Promise<void> {
    await this.stream.open();
    for (const event of this.events) {
      const messages = await this.subscribe(event);
      this.subscriptions.push(messages);
      this.running.push(this.loop(event, messages));
    }
  }

  /**
   * Stops fetching, and resolves once the event being handled (one per consumer) has settled and
   * been acknowledged; events fetched ahead are redelivered later, to this or another replica.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const messages of this.subscriptions) messages.stop();
    await Promise.all(this.running);
  }

  private async subscribe(event: ConsumedEvent): Promise<ConsumerMessages> {
    const manager = this.stream.jetStreamManager();
    try {
      await manager.consumers.info(this.stream.stream, event.consumer);
    } catch (error) {
      const { JetStreamApiError, JetStreamApiCodes } = jetStreamPeer();
      if (!(error instanceof JetStreamApiError) || error.code !== JetStreamApiCodes.ConsumerNotFound)
        throw error;
      await manager.consumers.add(this.stream.stream, this.consumerConfig(event));
    }
    const consumer = await this.stream.jetStream().consumers.get(this.stream.stream, event.consumer);
    return consumer.consume({ max_messages: this.options.batch ?? 32 });
  }

  private consumerConfig(event: ConsumedEvent): Partial<ConsumerConfig> {
    const { AckPolicy, DeliverPolicy } = jetStreamPeer();
    const deliver = this.options.deliver ?? 'all';
    return {
      durable_name: event.consumer,
      filter_subject: event.subject,
      ack_policy: AckPolicy.Explicit,
      ack_wait: (this.options.ackWait ?? DEFAULT_ACK_WAIT) * MS,
      // Unbounded on the server: this consumer parks an event itself after maxDeliver attempts,
      // also when it crashed during one (the server would otherwise drop it silently).
      max_deliver: -1,
      ...(deliver instanceof Date
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: deliver.toISOString() }
        : { deliver_policy: deliver === 'new' ? DeliverPolicy.New : DeliverPolicy.All }),
    };
  }

  private async loop(event: ConsumedEvent, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        await this.handle(event, message);
        if (this.stopped) break;
      }
    } catch (error) {
      if (!this.stopped) this.log(`JetStream consumer ${event.consumer} stopped: ${describeError(error)}`);
    }
  }

  private async handle(event: ConsumedEvent, message: JsMsg): Promise<void> {
    const attempt = message.info.deliveryCount;
    let envelope: unknown;
    // A handler slower than ackWait would be redelivered while it runs: tell the server it is in progress.
    const ackWait = this.options.ackWait ?? DEFAULT_ACK_WAIT;
    const inProgress = setInterval(() => message.working(), Math.max(ackWait / 2, 100));
    try {
      envelope = message.json();
      await this.receiver.publish(event.name, envelope, { [DELIVERY_ATTEMPT_HEADER]: String(attempt) });
      clearInterval(inProgress);
      message.ack();
    } catch (error) {
      clearInterval(inProgress);
      if (isShutDown(error)) {
        message.nak();
        return;
      }
      const invalid = isInvalid(error);
      if (invalid || attempt >= this.maxDeliver) {
        await this.park(event, message, envelope, invalid ? 'invalid-envelope' : 'max-deliver', error);
      } else {
        message.nak(this.backoff[Math.min(attempt, this.backoff.length) - 1]);
      }
    }
  }

  private async park(
    event: ConsumedEvent,
    message: JsMsg,
    envelope: unknown,
    reason: ParkedEvent['reason'],
    error: unknown,
  ): Promise<void> {
    const attempts = message.info.deliveryCount;
    const streamSequence = message.info.streamSequence;
    const headers = natsPeer().headers();
    headers.set(PARKED_REASON_HEADER, reason);
    headers.set(
      PARKED_ERROR_HEADER,
      describeError(error)
        .replace(/[\r\n]+/g, ' ')
        .slice(0, 1_000),
    );
    headers.set(PARKED_ATTEMPTS_HEADER, String(attempts));
    headers.set(PARKED_SEQUENCE_HEADER, String(streamSequence));
    try {
      // Parked once even when this process crashes between storing it and terminating the original.
      await this.stream.jetStream().publish(event.deadLetterSubject, message.data, {
        headers,
        msgID: `${event.consumer}-${streamSequence}`,
      });
    } catch (failure) {
      this.log(
        `Could not park ${event.name} (stream sequence ${streamSequence}) on '${event.deadLetterSubject}': ` +
          `${describeError(failure)}. It will be delivered again.`,
      );
      message.nak(this.backoff[0]);
      return;
    }
    message.term();
    const id = (envelope as { id?: unknown } | null)?.id;
    const parked: ParkedEvent = {
      reason,
      messageName: event.name,
      id: typeof id === 'string' ? id : undefined,
      attempts,
      error,
      subject: event.deadLetterSubject,
      streamSequence,
    };
    this.log(
      `Parked ${event.name} (${parked.id ?? 'no id'}, stream sequence ${streamSequence}) on ` +
        `'${event.deadLetterSubject}' after ${attempts} attempt(s), ${reason}: ${describeError(error)}`,
    );
    this.options.onParked?.(parked);
  }
}

/** The bus closing under a delivery is no fault of the event: it is redelivered, not parked. */
function isShutDown(error: unknown): boolean {
  return error instanceof BusShutDownError;
}

/**
 * An event that no retry can help: unreadable JSON, an envelope the receiver or the bus refuses
 * (any package error other than a handler's: limits, authentication, binding, `EnvelopeError`,
 * no handler here), or one whose payload fails validation in every handler.
 */
function isInvalid(error: unknown): boolean {
  if (error instanceof SyntaxError) return true;
  if (error instanceof CqrsError && !(error instanceof EventHandlerError)) return true;
  return (
    error instanceof EventHandlerError &&
    error.failures.every((failure) => failure.error instanceof MessageValidationError)
  );
}
