import type { DispatchOptions, MessageContext } from './message-context.js';
import { MessageBus, type BusOptions, type RegisterOptions } from './message-bus.js';
import type { Type } from './messages.js';

/** A command handler as a function. Its return value is ignored; a returned promise is awaited. */
export type CommandHandlerFn<C> = (command: C, context: MessageContext) => unknown;

/** A command handler as an object (in Nest, a class decorated with `@CommandHandler`). */
export interface ICommandHandler<C = any> {
  execute(command: C, context: MessageContext): void | Promise<void>;
}

const DONE: Promise<void> = Promise.resolve();
const toVoid = (): void => undefined;

/** Sends commands (messages that change state and return nothing) to their one handler each. */
export class CommandBus extends MessageBus {
  constructor(options?: BusOptions) {
    super('command', options);
  }

  /**
   * Registers the handler of a command class. Throws `DuplicateHandlerError` if the class already
   * has one on this bus. Returns a function that unregisters it.
   */
  register<C extends object>(
    type: Type<C>,
    handler: CommandHandlerFn<C> | ICommandHandler<C>,
    options?: RegisterOptions,
  ): () => void {
    return this.addRoute(type, handler, options);
  }

  /**
   * Runs a command through the middleware chain to its handler. Resolves to `undefined` when the
   * handler has finished; every failure is a rejection, never a synchronous throw.
   */
  dispatch(command: object, options?: DispatchOptions): Promise<void> {
    try {
      const result = this.run(command, options);
      if (result instanceof Promise) return result.then(toVoid);
      if (isThenable(result)) return Promise.resolve(result).then(toVoid);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
