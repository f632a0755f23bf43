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
  /**
   * Where the message came from: `'local'` for `dispatch()` / `ask()` / `publish()` in this
   * process, `'remote'` for an envelope (`dispatchEnvelope()` / `askEnvelope()`, which transports
   * use), whose data and headers came from outside and are not to be trusted like local ones.
   * Optional for contexts built outside the buses; the buses always set it.
   */
  readonly origin?: 'local' | 'remote';
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
  /**
   * Nest only: the DI context in which scoped handlers are resolved: `options.contextId`, else the
   * causing dispatch's (C4). Set by the Nest adapter when it resolves a scoped handler in a new one.
   */
  contextId: ContextId | undefined;
  private readonly ownHeaders: Readonly<Record<string, string>>;
  protected readonly causedBy: MessageContext | undefined;
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
      this.ownHeaders = NO_HEADERS;
      this.contextId = contextIdOf(inheritedCause);
    } else {
      const causedBy = options.causedBy ?? inheritedCause;
      this.causedBy = causedBy;
      this.explicitCorrelationId = options.correlationId;
      this.ownHeaders = options.headers === undefined ? NO_HEADERS : Object.freeze({ ...options.headers });
      this.contextId = options.contextId ?? contextIdOf(causedBy);
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

  get headers(): Readonly<Record<string, string>> {
    return this.ownHeaders;
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

  /** `'local'`: built by `dispatch()` / `ask()` / `publish()` (a prototype getter: nothing allocated). */
  get origin(): 'local' | 'remote' {
    return 'local';
  }

  /** The name of the handler this context was built for (`registrations()`'s `handler`). */
  get handlerName(): string {
    return this.route.handlerName;
  }

  /** The context's own data, for `JSON.stringify`, logs and test-runner diffs (not the bus internals). */
  toJSON(): MessageContextData {
    return {
      kind: this.kind,
      messageName: this.messageName,
      id: this.id,
      correlationId: this.correlationId,
      causationId: this.causationId,
      timestamp: this.timestamp.toISOString(),
      headers: this.headers,
    };
  }

  /** How `util.inspect` and `console.log` show a context: its own data. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    return `MessageContext ${inspect(this.toJSON(), options)}`;
  }
}

/** What a context shows of itself in `JSON.stringify`, `util.inspect` and test diffs. */
export interface MessageContextData {
  /** As `MessageContext.kind`. */
  readonly kind: MessageKind;
  /** As `MessageContext.messageName`. */
  readonly messageName: string;
  /** As `MessageContext.id`. */
  readonly id: string;
  /** As `MessageContext.correlationId`. */
  readonly correlationId: string;
  /** As `MessageContext.causationId`. */
  readonly causationId: string | undefined;
  /** `MessageContext.timestamp` in ISO 8601. */
  readonly timestamp: string;
  /** As `MessageContext.headers`. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The DI context a causing dispatch ran in, if the buses built that context (C4). */
function contextIdOf(context: MessageContext | undefined): ContextId | undefined {
  return context instanceof DispatchContext ? context.contextId : undefined;
}

/**
 * The context of one more handler of the same publish (SPEC §11 E5): the first handler's id,
 * correlation, causation, timestamp, headers and DI context, and items of its own.
 */
export class SiblingContext extends DispatchContext {
  constructor(
    route: MessageRoute,
    private readonly first: DispatchContext,
  ) {
    super(route, undefined);
    this.contextId = first.contextId;
  }

  override get id(): string {
    return this.first.id;
  }

  override get correlationId(): string {
    return this.first.correlationId;
  }

  override get causationId(): string | undefined {
    return this.first.causationId;
  }

  override get timestamp(): Date {
    return this.first.timestamp;
  }

  override get headers(): Readonly<Record<string, string>> {
    return this.first.headers;
  }

  override get origin(): 'local' | 'remote' {
    return this.first.origin;
  }
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
    private readonly continued: DispatchOrigin,
  ) {
    super(route, options);
  }

  override get id(): string {
    return this.continued.id;
  }

  override get causationId(): string | undefined {
    return this.continued.causationId;
  }

  override get timestamp(): Date {
    return this.continued.timestamp;
  }

  /** `'remote'`: built from an envelope, whose data came from outside this process. */
  override get origin(): 'local' | 'remote' {
    return 'remote';
  }
}
