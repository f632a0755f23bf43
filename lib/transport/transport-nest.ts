import type { InjectionToken } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { CommandBus } from '../core/command-bus.js';
import type { Middleware } from '../core/middleware.js';
import type { Type } from '../core/messages.js';
import { describeError, nameOf } from '../core/names.js';
import { QueryBus } from '../core/query-bus.js';
import { findMessageValidation, validationStep } from '../nest/message-validation.js';
import { TransportClientError } from './remote-errors.js';

/**
 * What every transport module resolves in Nest, in one place: the application's buses, found
 * anywhere in the application (so `CqrsLiteModule` may be global or not), the application's
 * validation as forwarding middleware (an invalid message is refused before it leaves), and the
 * engine's client provider.
 */
export function localBuses(moduleRef: ModuleRef): { commandBus: CommandBus; queryBus: QueryBus } {
  return {
    commandBus: moduleRef.get(CommandBus, { strict: false }),
    queryBus: moduleRef.get(QueryBus, { strict: false }),
  };
}

/** The application's validation as each forwarder's middleware. */
export function forwardingMiddleware(moduleRef: ModuleRef): (type: Type) => Middleware[] {
  const validation = findMessageValidation(moduleRef);
  return (type) => validationStep(validation, type);
}

/**
 * The provider of `token`, checked with `accept` (which says what is wrong, or `undefined`).
 * Throws `TransportClientError` naming the token and saying how to provide it.
 */
export function resolveClient<T>(
  moduleRef: ModuleRef,
  token: InjectionToken,
  where: string,
  accept: (value: unknown) => string | undefined,
  howToProvide: string,
): T {
  let client: unknown;
  try {
    client = moduleRef.get(token, { strict: false });
  } catch (error) {
    throw new TransportClientError(
      `${where}: no provider for the client ${nameOf(token)} (${describeError(error)}). Register it, e.g. ${howToProvide}.`,
      { cause: error },
    );
  }
  const problem = accept(client);
  if (problem !== undefined) {
    throw new TransportClientError(
      `${where}: the client ${nameOf(token)} resolves to ${nameOf(client)}, ${problem}.`,
    );
  }
  return client as T;
}
