import { InvalidMessageError, MiddlewareResolutionError } from './errors.js';
import type { DispatchContext, MessageContext } from './message-context.js';
import { nameOf } from './names.js';

/**
 * Calls the rest of the chain. Without an argument it passes the message the middleware received;
 * with one, the handler receives that object instead. Always returns a promise.
 */
export type Next<R = unknown> = (message?: object) => Promise<R>;

/** A middleware as an object (typically an injectable class). */
export interface CqrsMiddleware {
  /** Runs around the rest of the chain: call `next()` to continue; what it returns is the result. */
  handle(message: object, next: Next, context: MessageContext): unknown;
}

/** A middleware as a plain function. */
export type MiddlewareFn = (message: object, next: Next, context: MessageContext) => unknown;

/** Either form of middleware. */
export type Middleware = CqrsMiddleware | MiddlewareFn;

/**
 * One composed step of a dispatch: runs the rest of the chain for a message and its context and
 * returns the result as is (a value, or a promise of one).
 */
export type Invoker = (message: object, context: DispatchContext) => unknown;

/** Whether `value` can be used as a middleware (a function, or an object with `handle()`). */
export function isMiddleware(value: unknown): value is Middleware {
  return (
    typeof value === 'function' ||
    (value !== null && typeof value === 'object' && typeof (value as CqrsMiddleware).handle === 'function')
  );
}

/** Checks a list of middleware given to a bus, failing with an error that names the bad entry. */
export function assertMiddleware(list: readonly unknown[]): asserts list is readonly Middleware[] {
  for (const entry of list) {
    if (!isMiddleware(entry)) {
      throw new MiddlewareResolutionError(
        entry,
        'a middleware must be a function (message, next, context) or an object with a handle(message, next, context) method',
      );
    }
  }
}

/**
 * Composes middleware (outermost first) around a terminal step. Done once per registration and
 * whenever the bus's middleware changes, never per dispatch.
 */
export function composeChain(middleware: readonly Middleware[], terminal: Invoker): Invoker {
  let invoke = terminal;
  for (let i = middleware.length - 1; i >= 0; i--) invoke = layer(middleware[i]!, invoke);
  return invoke;
}

function layer(middleware: Middleware, inner: Invoker): Invoker {
  if (typeof middleware === 'function') {
    return (message, context) =>
      middleware(
        message,
        (replacement) => callNext(inner, replacement === undefined ? message : replacement, context),
        context,
      );
  }
  return (message, context) =>
    middleware.handle(
      message,
      (replacement) => callNext(inner, replacement === undefined ? message : replacement, context),
      context,
    );
}

function callNext(inner: Invoker, message: object, context: DispatchContext): Promise<unknown> {
  try {
    if (typeof message !== 'object' || message === null) {
      throw new InvalidMessageError(`next() was called with ${nameOf(message)} instead of a message object`);
    }
    const result = inner(message, context);
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The names of a middleware list, in order, as `registrations()` reports them. */
export function middlewareNames(list: readonly Middleware[]): string[] {
  return list.map(nameOf);
}
