import { Injectable, type ScopeOptions } from '@nestjs/common';
import { InvalidHandlerError, type MessageKind } from '../core/errors.js';
import type { MessageContext } from '../core/message-context.js';
import type { QueryResult, Type } from '../core/messages.js';
import type { ObservableLike } from '../core/observable.js';
import { nameOf } from '../core/names.js';
import { HANDLER_METADATA } from './constants.js';

/** What `@CommandHandler` / `@QueryHandler` record on a class. */
export interface HandlerMetadata {
  readonly kind: MessageKind;
  readonly messageType: Type;
}

function handlerDecorator(
  kind: MessageKind,
  decorator: string,
  messageType: Type,
  options?: ScopeOptions,
): (target: Function) => void {
  if (typeof messageType !== 'function' || typeof messageType.prototype !== 'object') {
    throw new InvalidHandlerError(
      `@${decorator}() needs the message class, got ${nameOf(messageType)}. If the class is imported, ` +
        `check for a circular import that leaves it undefined when the decorator runs.`,
    );
  }
  const metadata: HandlerMetadata = { kind, messageType };
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
  return handlerDecorator('command', 'CommandHandler', command, options);
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
  return handlerDecorator('query', 'QueryHandler', query, options);
}
