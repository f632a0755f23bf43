/**
 * The receiving layer shared by every transport (Nest microservices / NATS, BullMQ, and the
 * event transports built on it). An engine only takes a message off the wire and calls
 * `EnvelopeReceiver.run()` (or `.reply()` for request/reply) with the name its subject or queue
 * binds. Everything else happens here, in this order, before any handler or class-transformer
 * sees the data:
 *
 * 1. limits (`EnvelopeLimits`: bytes, depth, header count and length, id charset);
 * 2. authentication (HMAC over the canonical envelope, when configured) and replay protection;
 * 3. binding: the envelope's `kind` and `name` must be those of the subject / queue it came on,
 *    and the name must be one this receiver serves (an allow-list);
 * 4. the caller's deadline (`cqrs-deadline`) and the concurrency limit (`maxInFlight`);
 * 5. untrusted headers dropped: only the package's own `cqrs-*`, the trace headers and the names
 *    in `allowHeaders` reach the context;
 * 6. the local bus's `dispatchEnvelope` / `askEnvelope`, with `context.origin === 'remote'`.
 *
 * Stable API for other transports: `new EnvelopeReceiver(buses, options, engine)`, `run()`,
 * `reply()`, `refusals`.
 */
import type { CommandBus } from '../core/command-bus.js';
import type { EventBus } from '../core/event-bus.js';
import { CqrsError, EnvelopeError, HandlerNotFoundError, type MessageKind } from '../core/errors.js';
import type { Type } from '../core/messages.js';
import { getMessageMetadata } from '../core/messages.js';
import type { QueryBus } from '../core/query-bus.js';
import type { ReceivingRole } from '../tracing/span-roles.js';
import { receiveEnvelope } from './envelope-relay.js';
import { publishReceivedEvent } from './events/received-events.js';
import {
  checkEnvelopeLimits,
  resolveLimits,
  type EnvelopeLimits,
  type ResolvedEnvelopeLimits,
} from './envelope-limits.js';
import { expired, InFlightLimit } from './in-flight-limit.js';
import {
  MessageAuthenticator,
  SIGNATURE_HEADER,
  type MessageAuthenticationOptions,
} from './message-authentication.js';
import { DEFAULT_MAX_CLOCK_SKEW, ReplayGuard, type ReplayProtectionOptions } from './replay-guard.js';
import { InvalidTransportOptionsError, MessageAuthenticationError } from './remote-errors.js';
import { DEADLINE_HEADER } from './remote-timeout.js';
import { failureReply, successReply, type WireReply } from './wire.js';

/** The header a receiver sets on every message it runs: the transport it came by (`nats`, `bullmq`, …). */
export const TRANSPORT_HEADER = 'cqrs-transport';

/** Trace-context headers (W3C), always kept so that a trace continues across processes. */
const TRACE_HEADERS = new Set(['traceparent', 'tracestate', 'baggage']);

/** Options every receiver takes (`CqrsRemoteModule.serve()`, `CqrsQueueModule.worker()`). */
export interface ReceiverSecurityOptions {
  /**
   * Header names from the wire that reach the handler's context. Every other header is dropped:
   * a remote peer's headers are untrusted by default. The package's own `cqrs-*` headers and the
   * trace headers (`traceparent`, `tracestate`, `baggage`) are always kept.
   */
  allowHeaders?: string[];
  /** Bounds on accepted envelopes (safe defaults, see `EnvelopeLimits`). */
  limits?: EnvelopeLimits;
  /**
   * HMAC-SHA256 authentication: unsigned or badly signed envelopes are refused with
   * `MessageAuthenticationError`, and replies (request/reply) are signed with `signingKey`.
   */
  authentication?: MessageAuthenticationOptions;
  /**
   * At most this many messages run at once (default 100); more wait, up to `maxQueued`. The
   * BullMQ worker has its own `concurrency` instead.
   */
  maxInFlight?: number;
  /**
   * Messages waiting for a slot beyond `maxInFlight` (default 100); more are refused with
   * `ReceiverBusyError`. With `maxPayloadBytes`, it bounds the memory held by waiting messages.
   */
  maxQueued?: number;
  /** Called for every refused message (limits, authentication, binding, busy, deadline), e.g. to count them in metrics. */
  onRefused?: (
    error: CqrsError,
    where: { kind: MessageKind; subjectName: string; transport: string },
  ) => void;
}

/** What a receiver serves, and how it checks what comes in. */
export interface ReceiverOptions extends ReceiverSecurityOptions {
  /** Command classes this receiver runs. */
  commands?: Type[];
  /** Query classes this receiver answers. */
  queries?: Type[];
  /** Event classes this receiver publishes on the local `EventBus` (see `publish()`). */
  events?: Type[];
  /** Replay protection of request/reply receivers (see `ReplayProtectionOptions`). */
  replayProtection?: ReplayProtectionOptions;
}

/** The buses a receiver dispatches on. */
export interface ReceivingBuses {
  /** Runs received commands. */
  readonly commandBus?: CommandBus;
  /** Answers received queries. */
  readonly queryBus?: QueryBus;
  /** Publishes received events. */
  readonly eventBus?: EventBus;
}

/** The engine a receiver works for. */
export interface ReceivingEngine {
  /** Its name, for `cqrs-transport` and messages (`nats`, `bullmq`, …). */
  readonly transport: string;
  /** How tracing shows the handler's span. */
  readonly role: ReceivingRole;
}

/** The reply of a dispatch that failed: a `WireReply` with `ok: false`. */
type FailureReply = Extract<WireReply, { ok: false }>;

/** Checks and runs envelopes received from the wire (see the file's comment). */
export class EnvelopeReceiver {
  /** Refused messages so far, by error code (`CQRS_INVALID_ENVELOPE`, `CQRS_UNAUTHENTICATED`, …). */
  readonly refusals: Record<string, number> = Object.create(null);
  private readonly served: Record<MessageKind, Map<string, Type>>;
  private readonly limits: ResolvedEnvelopeLimits;
  private readonly authenticator: MessageAuthenticator | undefined;
  private readonly replay: ReplayGuard | undefined;
  private readonly allowed: Set<string>;
  private readonly inFlight: InFlightLimit | undefined;

  constructor(
    private readonly buses: ReceivingBuses,
    private readonly options: ReceiverOptions,
    private readonly engine: ReceivingEngine,
    concurrencyLimited = true,
  ) {
    const where = `${engine.transport} receiver`;
    this.served = {
      command: servedByName(options.commands),
      query: servedByName(options.queries),
      event: servedByName(options.events),
    };
    this.limits = resolveLimits(options.limits);
    this.authenticator = options.authentication && new MessageAuthenticator(options.authentication, where);
    this.replay = options.replayProtection && new ReplayGuard(options.replayProtection);
    this.allowed = new Set(options.allowHeaders ?? []);
    const maxInFlight = options.maxInFlight ?? 100;
    const maxQueued = options.maxQueued ?? 100;
    for (const [name, value] of [
      ['maxInFlight', maxInFlight],
      ['maxQueued', maxQueued],
    ] as const) {
      if (!Number.isInteger(value) || value < (name === 'maxInFlight' ? 1 : 0)) {
        throw new InvalidTransportOptionsError(
          `${where}: ${name} must be a non-negative integer (maxInFlight at least 1).`,
        );
      }
    }
    this.inFlight = concurrencyLimited ? new InFlightLimit(maxInFlight, maxQueued) : undefined;
  }

  /** The names this receiver serves, by kind. */
  servedNames(kind: MessageKind): string[] {
    return [...this.served[kind].keys()];
  }

  /**
   * Checks `raw` (untrusted parsed data) as a `kind` message bound to `subjectName` and runs it on
   * the local bus; resolves to a query's result. `localHeaders` (e.g. the attempt number) win over
   * the envelope's. Throws the refusal or the handler's error.
   */
  async run(
    kind: 'command' | 'query',
    subjectName: string,
    raw: unknown,
    localHeaders?: Record<string, string>,
  ): Promise<unknown> {
    let prepared: { envelope: Record<string, unknown>; type: Type; deadline: number | undefined };
    try {
      prepared = this.prepare(kind, subjectName, raw);
    } catch (error) {
      throw this.refused(error, kind, subjectName);
    }
    const { envelope, deadline } = prepared;
    const dispatch = () => {
      // Checked again when a queued message gets its slot.
      if (deadline !== undefined && Date.now() > deadline) throw expired(subjectName);
      const options = { headers: { [TRANSPORT_HEADER]: this.engine.transport, ...localHeaders } };
      return receiveEnvelope(this.engine.role, () =>
        kind === 'command'
          ? this.buses.commandBus!.dispatchEnvelope(envelope, options)
          : this.buses.queryBus!.askEnvelope(envelope, options),
      );
    };
    if (this.inFlight === undefined) return dispatch();
    try {
      return await this.inFlight.run(subjectName, deadline, async () => dispatch());
    } catch (error) {
      if (error instanceof CqrsError && (error.code === 'CQRS_RECEIVER_BUSY' || isDropped(error))) {
        throw this.refused(error, kind, subjectName);
      }
      throw error;
    }
  }

  /**
   * Checks `raw` (untrusted parsed data) as an event bound to `subjectName` and publishes it on the
   * local `EventBus` (`publishEnvelope`, so the bus's allow-list, validation and middleware apply),
   * marked as received so that this process's event forwarders do not send it out again.
   * `localHeaders` (e.g. the delivery attempt) win over the envelope's. Throws the refusal, or the
   * bus's `EventHandlerError` once every handler has settled.
   */
  async publish(subjectName: string, raw: unknown, localHeaders?: Record<string, string>): Promise<void> {
    let envelope: Record<string, unknown>;
    try {
      envelope = this.prepare('event', subjectName, raw).envelope;
    } catch (error) {
      throw this.refused(error, 'event', subjectName);
    }
    const options = { headers: { [TRANSPORT_HEADER]: this.engine.transport, ...localHeaders } };
    const publish = () => publishReceivedEvent(this.buses.eventBus!, envelope, this.engine.role, options);
    if (this.inFlight === undefined) return publish();
    try {
      return await this.inFlight.run(subjectName, undefined, publish);
    } catch (error) {
      if (error instanceof CqrsError && error.code === 'CQRS_RECEIVER_BUSY') {
        throw this.refused(error, 'event', subjectName);
      }
      throw error;
    }
  }

  /** `run()` as a reply: never throws; signed (bound to the request's id) when a signing key is configured. */
  async reply(
    kind: 'command' | 'query',
    subjectName: string,
    raw: unknown,
    localHeaders?: Record<string, string>,
  ): Promise<WireReply> {
    let reply: WireReply;
    try {
      const result = await this.run(kind, subjectName, raw, localHeaders);
      reply = successReply(kind === 'command' ? undefined : result);
    } catch (error) {
      reply = failureReply(error) as FailureReply;
    }
    return this.sign(reply, raw);
  }

  /** Signs a reply for the request `raw`, when a signing key is configured. */
  sign(reply: WireReply, raw: unknown): WireReply {
    if (this.authenticator === undefined) return reply;
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    return this.authenticator.signReply(reply, typeof id === 'string' ? id : '');
  }

  /** Counts a refusal, reports it, and returns it. */
  private refused(error: unknown, kind: MessageKind, subjectName: string): unknown {
    if (error instanceof CqrsError) {
      this.refusals[error.code] = (this.refusals[error.code] ?? 0) + 1;
      try {
        this.options.onRefused?.(error, { kind, subjectName, transport: this.engine.transport });
      } catch {
        // A failing observer must not change the answer.
      }
    }
    return error;
  }

  private prepare(
    kind: MessageKind,
    subjectName: string,
    raw: unknown,
  ): { envelope: Record<string, unknown>; type: Type; deadline: number | undefined } {
    checkEnvelopeLimits(raw, this.limits);
    const envelope = raw as Record<string, unknown>;
    this.authenticator?.verifyEnvelope(envelope);
    if (envelope.kind !== kind) throw new EnvelopeError('kind', `must be '${kind}' here`);
    if (envelope.name !== subjectName) {
      throw new EnvelopeError(
        'name',
        `must be '${subjectName}', the ${kind} its ${this.engine.transport === 'bullmq' ? 'job' : 'subject'} names ` +
          `(an envelope only runs the message it was sent for)`,
      );
    }
    const type = this.served[kind].get(subjectName);
    if (type === undefined) {
      throw new EnvelopeError(
        'name',
        `'${subjectName}' is not a ${kind} this ${this.engine.transport} receiver serves`,
      );
    }
    const bus =
      kind === 'command'
        ? this.buses.commandBus
        : kind === 'query'
          ? this.buses.queryBus
          : this.buses.eventBus;
    if (bus === undefined || !bus.has(type)) throw new HandlerNotFoundError(kind, type);
    const now = Date.now();
    const timestamp = typeof envelope.timestamp === 'string' ? Date.parse(envelope.timestamp) : Number.NaN;
    if (timestamp - now > DEFAULT_MAX_CLOCK_SKEW) {
      throw new MessageAuthenticationError(
        'from-the-future',
        `the envelope's timestamp is more than ${DEFAULT_MAX_CLOCK_SKEW} ms ahead of this process's clock.`,
      );
    }
    if (this.replay !== undefined) {
      if (typeof envelope.id !== 'string') throw new EnvelopeError('id', 'must be a string');
      this.replay.check(envelope.id, timestamp, now);
    }
    const headers = envelope.headers;
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      throw new EnvelopeError('headers', 'must be an object of strings');
    }
    const kept: Record<string, unknown> = {};
    for (const name of Object.keys(headers)) {
      if (name.startsWith('cqrs-') || TRACE_HEADERS.has(name) || this.allowed.has(name)) {
        kept[name] = (headers as Record<string, unknown>)[name];
      }
    }
    const deadlineHeader = kept[DEADLINE_HEADER];
    // Consumed here: the handler's context keeps neither the deadline nor the signature.
    delete kept[DEADLINE_HEADER];
    delete kept[SIGNATURE_HEADER];
    const deadline = typeof deadlineHeader === 'string' ? Number(deadlineHeader) : undefined;
    if (deadline !== undefined && !Number.isSafeInteger(deadline)) {
      throw new EnvelopeError(
        `headers.${DEADLINE_HEADER}`,
        'must be an integer number of ms since the epoch',
      );
    }
    if (deadline !== undefined && now > deadline) throw expired(subjectName);
    return { envelope: { ...envelope, headers: kept }, type, deadline };
  }
}

function isDropped(error: CqrsError): boolean {
  return error.code === 'CQRS_REMOTE_TIMEOUT';
}

function servedByName(types: Type[] | undefined): Map<string, Type> {
  return new Map((types ?? []).map((type) => [getMessageMetadata(type).name, type]));
}
