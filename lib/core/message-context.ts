import { randomUUID } from 'node:crypto';
import type { MessageKind } from './errors.js';
import type { Type } from './messages.js';

/**
 * Identifies a Nest DI sub-tree (Nest's `ContextId`), declared structurally so that the core
 * does not depend on `@nestjs/core`.
 */
export interface ContextId {
  /** Nest's identifier of the DI sub-tree. */
  readonly id: number;
}

/** Per-dispatch options accepted by `dispatch()` and `ask()`. */
export interface DispatchOptions {
  /** Correlation id to use; defaults to `causedBy.correlationId`, then to this dispatch's id. */
  correlationId?: string;
  /** The context of the message that caused this one (e.g. a handler dispatching a follow-up). */
  causedBy?: MessageContext;
  /** String headers carried with the message (for example a user id or an API key). */
  headers?: Record<string, string>;
  /** Nest only: resolve request-scoped and transient handlers in this DI context. */
  contextId?: ContextId;
}

/** What every middleware and the handler of one dispatch know about it. */
export interface MessageContext {
  /** Which bus the message was sent on. */
  readonly kind: MessageKind;
  /** The class the handler was chosen by. */
  readonly messageType: Type;
  /** The message's name (the class name unless `@Message({ name })` says otherwise). */
  readonly messageName: string;
  /** Unique id of this dispatch (a UUID, generated on first read). */
  readonly id: string;
  /** `options.correlationId ?? options.causedBy?.correlationId ?? id`. */
  readonly correlationId: string;
  /** The id of the causing message's context, if any. */
  readonly causationId: string | undefined;
  /** When `dispatch()`/`ask()` was called. */
  readonly timestamp: Date;
  /** A frozen copy of `options.headers` (`{}` when none were given). */
  readonly headers: Readonly<Record<string, string>>;
  /** Per-dispatch scratch space shared by the middleware and the handler. */
  readonly items: Map<unknown, unknown>;
}

/** What a bus knows about a message type when it builds a context for it. */
export interface MessageRoute {
  readonly kind: MessageKind;
  readonly messageType: Type;
  readonly messageName: string;
  /** The handler's name, as `registrations()` reports it. */
  readonly handlerName: string;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The context of one dispatch. Built on every dispatch, so everything that is not always needed
 * (the UUID, the `Date`, the items map) is created on first read.
 */
export class DispatchContext implements MessageContext {
  /** Nest only: the DI context in which scoped handlers are resolved. */
  readonly contextId: ContextId | undefined;
  readonly headers: Readonly<Record<string, string>>;
  private readonly causedBy: MessageContext | undefined;
  private readonly explicitCorrelationId: string | undefined;
  private readonly time: number;
  private generatedId: string | undefined = undefined;
  private date: Date | undefined = undefined;
  private scratch: Map<unknown, unknown> | undefined = undefined;

  constructor(
    private readonly route: MessageRoute,
    options: DispatchOptions | undefined,
    inheritedCause?: MessageContext,
  ) {
    this.time = Date.now();
    if (options === undefined || options === null) {
      this.causedBy = inheritedCause;
      this.explicitCorrelationId = undefined;
      this.headers = NO_HEADERS;
      this.contextId = undefined;
    } else {
      this.causedBy = options.causedBy ?? inheritedCause;
      this.explicitCorrelationId = options.correlationId;
      this.headers = options.headers === undefined ? NO_HEADERS : Object.freeze({ ...options.headers });
      this.contextId = options.contextId;
    }
  }

  get kind(): MessageKind {
    return this.route.kind;
  }

  get messageType(): Type {
    return this.route.messageType;
  }

  get messageName(): string {
    return this.route.messageName;
  }

  get id(): string {
    return (this.generatedId ??= randomUUID());
  }

  get correlationId(): string {
    return this.explicitCorrelationId ?? this.causedBy?.correlationId ?? this.id;
  }

  get causationId(): string | undefined {
    return this.causedBy?.id;
  }

  get timestamp(): Date {
    return (this.date ??= new Date(this.time));
  }

  get items(): Map<unknown, unknown> {
    return (this.scratch ??= new Map());
  }

  /** The name of the handler this context was built for (`registrations()`'s `handler`). */
  get handlerName(): string {
    return this.route.handlerName;
  }
}

/**
 * The name of the handler a context belongs to, as `registrations()` reports it; `undefined` for a
 * context the buses did not build (one made by hand in a test, say). For middleware that reports
 * on handlers, such as tracing.
 */
export function handlerNameOf(context: MessageContext): string | undefined {
  return context instanceof DispatchContext ? context.handlerName : undefined;
}

/** The identity of a dispatch that started elsewhere, as an envelope carries it. */
export interface DispatchOrigin {
  readonly id: string;
  readonly causationId: string | undefined;
  readonly timestamp: Date;
}

/**
 * The context of a message received in an envelope: it continues the sender's dispatch, so its
 * id, causation and timestamp are the envelope's rather than new ones.
 */
export class ContinuedContext extends DispatchContext {
  constructor(
    route: MessageRoute,
    options: DispatchOptions,
    private readonly origin: DispatchOrigin,
  ) {
    super(route, options);
  }

  override get id(): string {
    return this.origin.id;
  }

  override get causationId(): string | undefined {
    return this.origin.causationId;
  }

  override get timestamp(): Date {
    return this.origin.timestamp;
  }
}
