import { HandlerBus } from './handler-bus.js';
import type { BusOptions } from './message-bus.js';
import type { DispatchOptions, MessageContext } from './message-context.js';
import type { Type } from './messages.js';
import type { RegisterOptions } from './route.js';

/** A command handler as a function. Its return value is ignored; a returned promise is awaited. */
export type CommandHandlerFn<C> = (command: C, context: MessageContext) => unknown;

/** A command handler as an object (in Nest, a class decorated with `@CommandHandler`). */
export interface ICommandHandler<C = any> {
  /** Handles the command; a returned promise is awaited, any value is ignored. */
  execute(command: C, context: MessageContext): void | Promise<void>;
}

/** Sends commands (messages that change state and return nothing) to their one handler each. */
export class CommandBus extends HandlerBus {
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
    return this.sendVoid(this.openMessage, command, options);
  }

  /**
   * Dispatches a command received as an envelope (untrusted parsed JSON, SPEC §10): only names
   * registered on this bus are accepted, and the handler sees the envelope's id, correlation,
   * causation, timestamp and headers (`options.headers` are added and win). Anything malformed
   * rejects with `EnvelopeError` and the handler does not run.
   */
  dispatchEnvelope(envelope: unknown, options?: DispatchOptions): Promise<void> {
    return this.sendVoid(this.openEnvelope, envelope, options);
  }
}
