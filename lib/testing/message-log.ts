import type { DispatchOptions } from '../core/message-context.js';
import type { Type } from '../core/messages.js';

/** One message sent to a test bus, with the options it was sent with. */
export interface RecordedMessage<M extends object = object> {
  /** The message, as given to `dispatch()`/`ask()` (the same object, not a copy). */
  readonly message: M;
  /** The options given with it (`undefined` when none were). */
  readonly options: DispatchOptions | undefined;
}

/**
 * What a test bus was sent, in order. Shared by `RecordingCommandBus` and `StubQueryBus` so that
 * both answer the same questions the same way.
 */
export class MessageLog {
  private readonly entries: RecordedMessage[] = [];

  /** Appends a message to the log. */
  record(message: object, options: DispatchOptions | undefined): void {
    this.entries.push({ message, options });
  }

  /** Every recorded message with its options, oldest first. */
  get records(): readonly RecordedMessage[] {
    return this.entries;
  }

  /** Every recorded message, oldest first. */
  get messages(): readonly object[] {
    return this.entries.map((entry) => entry.message);
  }

  /** The recorded messages of exactly this class (not its subclasses, as the buses route), oldest first. */
  ofType<M extends object>(type: Type<M>): M[] {
    return this.entries
      .filter((entry) => Object.getPrototypeOf(entry.message)?.constructor === type)
      .map((entry) => entry.message as M);
  }

  /** Forgets every recorded message. */
  clear(): void {
    this.entries.length = 0;
  }
}

/**
 * Whether a value can be routed by class, as the buses require. Anything else is left to the real
 * bus, which rejects it with `InvalidMessageError`, and is not recorded.
 */
export function isClassInstance(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype !== null && Object.getPrototypeOf(prototype) !== null;
}
