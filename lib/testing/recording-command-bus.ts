import { CommandBus } from '../core/command-bus.js';
import type { BusOptions } from '../core/message-bus.js';
import type { DispatchOptions } from '../core/message-context.js';
import type { Type } from '../core/messages.js';
import { isClassInstance, MessageLog, type RecordedMessage } from './message-log.js';

/**
 * A `CommandBus` for unit tests of code that dispatches commands: it records every command and,
 * unless a handler is registered for its class, resolves without running anything.
 *
 * Provide it in place of the real bus — `{ provide: CommandBus, useValue: new RecordingCommandBus() }`
 * — or pass it to the constructor of the class under test, then assert on `dispatched`.
 * Registered handlers (`register()`, e.g. one that throws to test an error path) run through the
 * bus's middleware as on a real bus.
 */
export class RecordingCommandBus extends CommandBus {
  private readonly log = new MessageLog();

  constructor(options?: BusOptions) {
    super(options);
  }

  /** Every command dispatched, oldest first. */
  get dispatched(): readonly object[] {
    return this.log.messages;
  }

  /** Every command dispatched with the options it was dispatched with, oldest first. */
  get records(): readonly RecordedMessage[] {
    return this.log.records;
  }

  /** The dispatched commands of exactly this class, oldest first. */
  dispatchedOf<C extends object>(type: Type<C>): C[] {
    return this.log.ofType(type);
  }

  /**
   * Records the command, then runs its handler if one is registered on this bus, or resolves to
   * `undefined` if none is. A value that is not a class instance rejects with `InvalidMessageError`,
   * as on a real bus, and is not recorded.
   */
  override dispatch(command: object, options?: DispatchOptions): Promise<void> {
    if (!isClassInstance(command)) return super.dispatch(command, options);
    this.log.record(command, options);
    const type = Object.getPrototypeOf(command).constructor as Type;
    return this.has(type) ? super.dispatch(command, options) : Promise.resolve();
  }

  /** Forgets every recorded command (registered handlers stay; `clear()` removes those). */
  reset(): void {
    this.log.clear();
  }
}
