import type { Type } from '../../core/messages.js';
import type { MessageAuthenticationOptions } from '../message-authentication.js';
import type { ReceiverSecurityOptions } from '../receiving.js';

/** A NATS connection (`@nats-io/transport-node`'s `NatsConnection`), typed loosely so that importing this file needs no peer. */
export type NatsConnectionLike = import('@nats-io/transport-node').NatsConnection;

/** Where a new durable consumer starts reading the stream; an existing one continues where it was. */
export type JetStreamDeliverFrom = 'new' | 'all' | Date;

/** Options of `CqrsJetStreamModule.forRoot()`: the stream, and what this application publishes and consumes. */
export interface CqrsJetStreamModuleOptions {
  /** NATS servers to connect to (`@nats-io/transport-node`); the module closes this connection. */
  servers?: string | string[];
  /** Or an open connection of your own (left open by the module). One of the two is required. */
  connection?: NatsConnectionLike;
  /** Name of the JetStream stream that stores the events (default `CQRS_EVENTS`); created when missing. */
  stream?: string;
  /** First part of every subject (default `cqrs`): events are stored on `<prefix>.event.<name>`. */
  subjectPrefix?: string;
  /**
   * Milliseconds within which a publish retried with the same envelope id (`Nats-Msg-Id`) is
   * stored once (default 120 000). Applies when the module creates the stream.
   */
  duplicateWindow?: number;
  /**
   * Event classes stored in the stream when published here: `eventBus.publish()` resolves once
   * the stream has stored each (local handlers still run).
   */
  publish?: Type[];
  /** Milliseconds a publish keeps retrying until the stream has stored the event (default 5000). */
  publishTimeout?: number;
  /**
   * HMAC-SHA256 authentication: envelopes published here are signed with `signingKey`; consumed
   * ones must be signed by a key in `verificationKeys` (else they are parked at once).
   */
  authentication?: MessageAuthenticationOptions;
  /** What this application consumes from the stream, if anything. */
  consume?: JetStreamConsumeOptions;
}

/**
 * The durable consumption of one service (`CqrsJetStreamModule.forRoot({ consume })`). Consumed
 * envelopes pass the shared receiver: `allowHeaders` (other headers from the wire are dropped),
 * `limits` and `onRefused` as for `CqrsRemoteModule.serve()`; a refused envelope is parked at once.
 */
export interface JetStreamConsumeOptions extends Pick<
  ReceiverSecurityOptions,
  'allowHeaders' | 'limits' | 'onRefused'
> {
  /**
   * The consuming service's name, the same in all its replicas (they share its consumers): one
   * durable consumer `<durable>_<event name>` per event class. Letters, digits, `_` and `-`.
   */
  durable: string;
  /** Event classes to consume; each is published on the local `EventBus` and needs a handler here. */
  events: Type[];
  /** Where a consumer created now starts: `'all'` (the default, the whole stream), `'new'`, or a `Date`. */
  deliver?: JetStreamDeliverFrom;
  /**
   * Attempts per event (default 5): after this many failed ones it is parked on the dead-letter
   * subject `<prefix>.dead.<durable>.<name>` (stored in the stream `<stream>_DEAD`) and not retried.
   */
  maxDeliver?: number;
  /** Milliseconds to wait before attempt n + 1 after attempt n failed (the last value repeats; default [1000, 5000, 30000]). */
  backoff?: number[];
  /**
   * Milliseconds the server waits for an acknowledgement before it redelivers (default 30 000):
   * after a crash, unacknowledged events come back after this. Keep it above your slowest handler.
   */
  ackWait?: number;
  /** Events fetched ahead per consumer (default 32); they are handled one after the other, in stream order. */
  batch?: number;
  /** Called, besides an error log, for every event parked on the dead-letter subject. */
  onParked?: (parked: ParkedEvent) => void;
}

/** An event the consumer gave up on, as reported to `onParked` and stored on the dead-letter subject. */
export interface ParkedEvent {
  /** `max-deliver` (every attempt failed) or `invalid-envelope` (never retried). */
  readonly reason: 'max-deliver' | 'invalid-envelope';
  /** The event's name, as its subject says. */
  readonly messageName: string;
  /** The envelope id, when it could be read. */
  readonly id: string | undefined;
  /** Attempts made. */
  readonly attempts: number;
  /** The last error. */
  readonly error: unknown;
  /** The dead-letter subject it was stored on. */
  readonly subject: string;
  /** Its sequence number in the event stream. */
  readonly streamSequence: number;
}
