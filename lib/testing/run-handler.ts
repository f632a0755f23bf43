import { CommandBus } from '../core/command-bus.js';
import { InvalidMessageError, type MessageKind } from '../core/errors.js';
import type { DispatchOptions, MessageContext } from '../core/message-context.js';
import type { Query, Type } from '../core/messages.js';
import type { Middleware } from '../core/middleware.js';
import type { ObservableLike } from '../core/observable.js';
import { QueryBus } from '../core/query-bus.js';
import { kindOf } from './message-context.factory.js';
import { isClassInstance } from './message-log.js';

/** A handler in either form, for a message of type `M`. */
export type HandlerOf<M> =
  | ((message: M, context: MessageContext) => unknown)
  | {
      /** Handles the message, as a bus calls it. */
      execute(message: M, context: MessageContext): unknown;
    };

/** What `ask()` resolves to for a handler: its return value, awaited, or an Observable's last value. */
export type HandlerResult<H> = SettledResult<
  H extends (...args: any[]) => infer R
    ? R
    : H extends {
          /** The handler object's method. */
          execute(...args: any[]): infer R;
        }
      ? R
      : never
>;

/** What a handler's return value settles to: a promise's value, an Observable's last value (or `undefined`). */
export type SettledResult<R> = R extends ObservableLike<infer T> ? T | undefined : Awaited<R>;

/** Options of `runHandler()`: the chain to run the handler in, and the usual dispatch options. */
export interface RunHandlerOptions extends DispatchOptions {
  /** The handler's middleware chain, outermost first (e.g. `[new LoggingMiddleware(), validationMiddleware()]`). */
  middleware?: Middleware[];
  /**
   * Which bus to run on: `'query'` resolves to the handler's (or middleware's) result, `'command'`
   * to `undefined`. Default: `'query'` for a `Query` subclass, `'command'` otherwise.
   */
  kind?: MessageKind;
}

/**
 * Runs one handler with its real middleware chain, without booting an application: the message
 * goes through a fresh bus of its own, exactly as through the application's bus (same context,
 * same ordering, same errors), so a test sees what production would.
 *
 * Resolves like `ask()` for queries (the result) and like `dispatch()` for commands (`undefined`);
 * every failure is a rejection carrying the original error.
 *
 * ```ts
 * const name = await runHandler(new GetUserNameHandler(repo), new GetUserName('u1'), {
 *   middleware: [new LoggingMiddleware()],
 *   headers: { 'x-user-id': 'admin' },
 * });
 * ```
 */
export function runHandler<M extends object, H extends HandlerOf<M>>(
  handler: H,
  message: M,
  options: RunHandlerOptions & { kind: 'query' },
): Promise<HandlerResult<H>>;
export function runHandler<M extends object, H extends HandlerOf<M>>(
  handler: H,
  message: M,
  options: RunHandlerOptions & { kind: 'command' },
): Promise<void>;
export function runHandler<M extends object, H extends HandlerOf<M>>(
  handler: H,
  message: M,
  options?: RunHandlerOptions,
): Promise<M extends Query<any> ? HandlerResult<H> : void>;
export function runHandler(
  handler: HandlerOf<object>,
  message: object,
  options: RunHandlerOptions = {},
): Promise<unknown> {
  try {
    if (!isClassInstance(message)) {
      throw new InvalidMessageError('runHandler() needs a message that is an instance of a class');
    }
    const { middleware, kind = kindOf(message), ...dispatchOptions } = options;
    const type = Object.getPrototypeOf(message).constructor as Type;
    // Same chain as in the application: bus middleware first, then the handler's own.
    if (kind === 'query') {
      const bus = new QueryBus({ middleware });
      bus.register(type, handler as never);
      return bus.ask(message, dispatchOptions);
    }
    const bus = new CommandBus({ middleware });
    bus.register(type, handler as never);
    return bus.dispatch(message, dispatchOptions);
  } catch (error) {
    return Promise.reject(error);
  }
}
