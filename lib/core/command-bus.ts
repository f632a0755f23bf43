import type { DispatchOptions, MessageContext } from './message-context.js';
import { MessageBus, type BusOptions, type RegisterOptions } from './message-bus.js';
import type { Type } from './messages.js';

/** A command handler as a function. Its return value is ignored; a returned promise is awaited. */
export type CommandHandlerFn<C> = (command: C, context: MessageContext) => unknown;

/** A command handler as an object (in Nest, a class decorated with `@CommandHandler`). */
export interface ICommandHandler<C = any> {
  /** Handles the command; a returned promise is awaited, any value is ignored. */
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
    if (this.inFlight !== undefined) {
      return this.runTracked(this.inFlight, command, options, false, true) as Promise<void>;
    }
    try {
      return completion(this.run(command, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Dispatches a command received as an envelope (untrusted parsed JSON, SPEC §10): only names
   * registered on this bus are accepted, and the handler sees the envelope's id, correlation,
   * causation, timestamp and headers (`options.headers` are added and win). Anything malformed
   * rejects with `EnvelopeError` and the handler does not run.
   */
  dispatchEnvelope(envelope: unknown, options?: DispatchOptions): Promise<void> {
    if (this.inFlight !== undefined) {
      return this.runTracked(this.inFlight, envelope, options, true, true) as Promise<void>;
    }
    try {
      return completion(this.runEnvelope(envelope, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** A promise that settles when the chain's result does, with `undefined` (B4). */
function completion(result: unknown): Promise<void> {
  if (result instanceof Promise) return result.then(toVoid);
  if (isThenable(result)) return Promise.resolve(result).then(toVoid);
  return DONE;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
