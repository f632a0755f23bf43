import { Injectable, type ScopeOptions } from '@nestjs/common';
import { InvalidHandlerError, type MessageKind } from '../core/errors.js';
import type { MessageContext } from '../core/message-context.js';
import type { QueryResult, Type } from '../core/messages.js';
import type { ObservableLike } from '../core/observable.js';
import { nameOf } from '../core/names.js';
import { HANDLER_METADATA } from './constants.js';

/** What `@CommandHandler` / `@QueryHandler` / `@EventsHandler` record on a class. */
export interface HandlerMetadata {
  readonly kind: MessageKind;
  /** The message classes it handles: exactly one for commands and queries, one or more for events. */
  readonly messageTypes: readonly Type[];
}

/** The decorator's name, for error messages. */
export const DECORATOR_OF: Record<MessageKind, string> = {
  command: 'CommandHandler',
  query: 'QueryHandler',
  event: 'EventsHandler',
};

function handlerDecorator(
  kind: MessageKind,
  messageTypes: readonly Type[],
  options?: ScopeOptions,
): (target: Function) => void {
  for (const messageType of messageTypes) {
    if (typeof messageType !== 'function' || typeof messageType.prototype !== 'object') {
      throw new InvalidHandlerError(
        `@${DECORATOR_OF[kind]}() needs the message class, got ${nameOf(messageType)}. If the class is imported, ` +
          `check for a circular import that leaves it undefined when the decorator runs.`,
      );
    }
  }
  if (messageTypes.length === 0) {
    throw new InvalidHandlerError(`@${DECORATOR_OF[kind]}() needs at least one event class.`);
  }
  const metadata: HandlerMetadata = { kind, messageTypes: [...messageTypes] };
  const injectable = Injectable(options);
  return (target) => {
    Reflect.defineMetadata(HANDLER_METADATA, metadata, target);
    injectable(target);
  };
}

/**
 * Marks a class as the handler of a command class and makes it injectable. `CqrsLiteModule`
 * registers it on the `CommandBus` wherever it is provided. `scope` works as in `@Injectable`.
 */
export function CommandHandler<C extends object>(
  command: Type<C>,
  options?: ScopeOptions,
): <H extends Type<CommandHandlerClass<C>>>(target: H) => void {
  return handlerDecorator('command', [command], options);
}

/** What `@CommandHandler(C)` accepts: a class whose `execute` takes a `C`. */
export interface CommandHandlerClass<C> {
  /** Handles one command; its return value is ignored. */
  execute(command: C, context: MessageContext): unknown;
}

/**
 * What `@QueryHandler(Q)` accepts: a class whose `execute` takes a `Q` and returns the result
 * `Q` declares through `Query<R>` (or a promise or Observable of it).
 */
export interface QueryHandlerClass<Q> {
  /** Answers one query. */
  execute(
    query: Q,
    context: MessageContext,
  ): QueryResult<Q> | Promise<QueryResult<Q>> | ObservableLike<QueryResult<Q>>;
}

/**
 * Marks a class as the handler of a query class and makes it injectable. `CqrsLiteModule`
 * registers it on the `QueryBus` wherever it is provided. `scope` works as in `@Injectable`.
 */
export function QueryHandler<Q extends object>(
  query: Type<Q>,
  options?: ScopeOptions,
): <H extends Type<QueryHandlerClass<Q>>>(target: H) => void {
  return handlerDecorator('query', [query], options);
}

/** What `@EventsHandler(E1, E2)` accepts: a class whose `handle` takes any of those events. */
export interface EventsHandlerClass<E> {
  /** Reacts to one event; its return value is ignored (a returned promise is awaited). */
  handle(event: E, context: MessageContext): unknown;
}

/**
 * Marks a class as a handler of one or more event classes and makes it injectable.
 * `CqrsLiteModule` subscribes its `handle()` to each of them on the `EventBus`, wherever the class
 * is provided; an event class may have any number of handlers. A last argument that is not a
 * class is the options: `@EventsHandler(OrderPlaced, { scope: Scope.REQUEST })`.
 */
export function EventsHandler<E extends object[]>(
  ...events: [...{ [K in keyof E]: Type<E[K]> }] | [...{ [K in keyof E]: Type<E[K]> }, ScopeOptions]
): <H extends Type<EventsHandlerClass<E[number]>>>(target: H) => void {
  const last = events[events.length - 1];
  const hasOptions = last !== undefined && typeof last !== 'function';
  const types = (hasOptions ? events.slice(0, -1) : events) as Type[];
  return handlerDecorator('event', types, hasOptions ? (last as ScopeOptions) : undefined);
}
