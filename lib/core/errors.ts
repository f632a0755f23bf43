import { describeError, nameOf } from './names.js';

/** Which bus a message was sent on. */
export type MessageKind = 'command' | 'query' | 'event';

const PLURAL: Record<MessageKind, string> = { command: 'commands', query: 'queries', event: 'events' };

/** Base class of every error raised by nestjs-cqrs-lite; `code` is stable across releases. */
export abstract class CqrsError extends Error {
  /** A stable, machine-readable identifier of the failure, e.g. `CQRS_HANDLER_NOT_FOUND`. */
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No handler is registered for the dispatched message's class. */
export class HandlerNotFoundError extends CqrsError {
  readonly code = 'CQRS_HANDLER_NOT_FOUND';

  constructor(
    /** The bus the message was sent on. */
    readonly kind: MessageKind,
    /** The message's class. */
    readonly messageType: Function,
  ) {
    const name = nameOf(messageType);
    const decorator =
      kind === 'command' ? 'CommandHandler' : kind === 'query' ? 'QueryHandler' : 'EventsHandler';
    super(
      `No ${kind} handler is registered for ${name}. Decorate a provider with @${decorator}(${name}) ` +
        `(and make sure its module is imported), or call ${kind}Bus.register(${name}, handler).`,
    );
  }
}

/** A second handler was registered for a message class that already has one on this bus. */
export class DuplicateHandlerError extends CqrsError {
  readonly code = 'CQRS_DUPLICATE_HANDLER';

  constructor(
    /** The message class registered twice. */
    readonly messageType: Function,
    /** Name of the handler already registered. */
    readonly existingHandler: string,
    /** Name of the handler that was refused. */
    readonly rejectedHandler: string,
    /** The bus it was registered on; on the event bus, the same handler was subscribed twice. */
    kind: MessageKind = 'command',
  ) {
    super(
      kind === 'event'
        ? `${rejectedHandler} is already subscribed to ${nameOf(messageType)}; refusing to subscribe the ` +
            `same handler twice. Unsubscribe it first, or subscribe another handler.`
        : `${nameOf(messageType)} already has a handler (${existingHandler}); refusing to register ` +
            `${rejectedHandler} as a second one. A message class has exactly one handler per bus: ` +
            `remove one of them, or unregister the first.`,
    );
  }
}

/** The value given to `dispatch`/`ask` is not an instance of a class. */
export class InvalidMessageError extends CqrsError {
  readonly code = 'CQRS_INVALID_MESSAGE';

  constructor(detail: string, options?: ErrorOptions) {
    super(
      `Invalid message: ${detail}. Commands, queries and events must be class instances, e.g. new CreateUser(...).`,
      options,
    );
  }
}

/**
 * The bus has shut down (its application is closing, or its `InFlightTracker` was shut down): it
 * accepts no more dispatches.
 */
export class BusShutDownError extends CqrsError {
  readonly code = 'CQRS_BUS_SHUT_DOWN';

  constructor(
    /** The bus the message was sent on. */
    readonly kind: MessageKind,
  ) {
    super(
      `The ${kind} bus has shut down and accepts no more ${PLURAL[kind]}: ` +
        `its application is closing. Dispatch before the application closes, or from work that is still in flight.`,
    );
  }
}

/** A handler or message type given at registration is unusable. */
export class InvalidHandlerError extends CqrsError {
  readonly code = 'CQRS_INVALID_HANDLER';
}

/** A middleware token did not resolve to a middleware object or function. */
export class MiddlewareResolutionError extends CqrsError {
  readonly code = 'CQRS_MIDDLEWARE_UNRESOLVED';

  constructor(
    /** The token that could not be resolved. */
    readonly token: unknown,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot resolve middleware ${nameOf(token)}: ${detail}`, options);
  }
}

/** The shape of a class-validator `ValidationError`, without depending on class-validator. */
export interface ValidationErrorLike {
  /** The failing property. */
  property: string;
  /** Its value, when class-validator reports it. */
  value?: unknown;
  /** The failed constraints, by name, with their messages. */
  constraints?: Record<string, string>;
  /** Errors of nested objects. */
  children?: ValidationErrorLike[];
}

/** A message failed validation; its handler did not run. */
export class MessageValidationError extends CqrsError {
  readonly code = 'CQRS_VALIDATION_FAILED';

  constructor(
    /** The class of the invalid message. */
    readonly messageType: Function,
    /** class-validator's errors, nested as class-validator reports them. */
    readonly errors: ValidationErrorLike[],
  ) {
    super(
      `${nameOf(messageType)} is invalid: ${flattenViolations(errors)
        .map((v) => `${v.property} (${v.constraints.join(', ')})`)
        .join('; ')}`,
    );
  }

  /** Each failing property (dotted path for nested ones) with the constraints it failed. */
  get violations(): Violation[] {
    return flattenViolations(this.errors);
  }
}

/** One failing property of an invalid message. */
export interface Violation {
  /** Dotted path of the property, e.g. `address.zip` or `items.0.sku`. */
  property: string;
  /** The messages of the constraints it failed. */
  constraints: string[];
}

function flattenViolations(errors: ValidationErrorLike[], prefix = ''): Violation[] {
  const out: Violation[] = [];
  for (const error of errors) {
    // class-validator reports a failure of the whole object with no property name.
    const property = error.property ? prefix + error.property : prefix.slice(0, -1) || '(message)';
    if (error.constraints) out.push({ property, constraints: Object.values(error.constraints) });
    if (error.children?.length) out.push(...flattenViolations(error.children, `${property}.`));
  }
  return out;
}

/** An envelope given to `dispatchEnvelope`/`askEnvelope` is malformed or not acceptable. */
export class EnvelopeError extends CqrsError {
  readonly code = 'CQRS_INVALID_ENVELOPE';

  constructor(
    /** The envelope field at fault, e.g. `name` or `payload.address`. */
    readonly field: string,
    detail: string,
  ) {
    super(`Invalid envelope: field '${field}' ${detail}.`);
  }
}

/** Two different message classes on one bus share a message name. */
export class DuplicateMessageNameError extends CqrsError {
  readonly code = 'CQRS_DUPLICATE_MESSAGE_NAME';

  constructor(
    /** The name both classes claim. */
    readonly messageName: string,
    /** The class already registered under that name. */
    readonly existingType: Function,
    /** The class that was refused. */
    readonly rejectedType: Function,
  ) {
    super(
      `Message name '${messageName}' is already used by ${nameOf(existingType)}; ${nameOf(rejectedType)} cannot use it ` +
        `on the same bus. Give one of them another name with @Message({ name }).`,
    );
  }
}

/** One event handler that failed, as `EventHandlerError.failures` lists it. */
export interface EventHandlerFailure {
  /** The handler's class or function name, as `registrations()` reports it. */
  readonly handler: string;
  /** What it threw or rejected with, unchanged. */
  readonly error: unknown;
  /** The event it was handling (with `publishAll`, each failure's own event). */
  readonly event: object;
}

/**
 * One or more handlers of a published event failed (SPEC §11 E4). Raised once every handler has
 * settled; the handlers that did not fail have run to completion.
 */
export class EventHandlerError extends CqrsError {
  readonly code = 'CQRS_EVENT_HANDLER_FAILED';
  /** The event published (with `publishAll`, the first event that had a failing handler). */
  readonly event: object;

  constructor(
    /** Every failure, in publish order, then subscription order. */
    readonly failures: ReadonlyArray<EventHandlerFailure>,
  ) {
    const first = failures[0]!;
    super(
      `${failures.length === 1 ? 'A handler' : `${failures.length} handlers`} of ${describeEvents(failures)} failed: ` +
        failures
          .map((f) => `${f.handler}${eventSuffix(failures, f)} (${describeError(f.error)})`)
          .join('; ') +
        '. The other handlers ran; catch this error where you publish, or pass onError to the EventBus.',
      { cause: first.error },
    );
    this.event = first.event;
  }
}

function describeEvents(failures: ReadonlyArray<EventHandlerFailure>): string {
  const names = [...new Set(failures.map((f) => nameOf(f.event)))];
  return names.join(', ');
}

function eventSuffix(failures: ReadonlyArray<EventHandlerFailure>, failure: EventHandlerFailure): string {
  return failures.some((f) => f.event !== failure.event) ? ` of ${nameOf(failure.event)}` : '';
}

/** `commit()` was called on an aggregate that no `EventPublisher` has merged (SPEC §12 A3). */
export class NoPublisherError extends CqrsError {
  readonly code = 'CQRS_NO_PUBLISHER';

  constructor(
    /** The aggregate's class. */
    readonly aggregateType: Function,
  ) {
    super(
      `${nameOf(aggregateType)} has no event publisher, so commit() cannot publish its events (they stay recorded). ` +
        `Merge it first: eventPublisher.mergeObjectContext(aggregate), or mergeClassContext(${nameOf(aggregateType)}).`,
    );
  }
}
