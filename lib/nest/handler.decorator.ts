import { Injectable, type ScopeOptions } from '@nestjs/common';
import { InvalidHandlerError, type MessageKind } from '../core/errors.js';
import type { Type } from '../core/messages.js';
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
): ClassDecorator {
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
export function CommandHandler(command: Type, options?: ScopeOptions): ClassDecorator {
  return handlerDecorator('command', 'CommandHandler', command, options);
}

/**
 * Marks a class as the handler of a query class and makes it injectable. `CqrsLiteModule`
 * registers it on the `QueryBus` wherever it is provided. `scope` works as in `@Injectable`.
 */
export function QueryHandler(query: Type, options?: ScopeOptions): ClassDecorator {
  return handlerDecorator('query', 'QueryHandler', query, options);
}
