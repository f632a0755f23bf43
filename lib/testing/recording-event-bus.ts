import { EventBus, type EventBusOptions } from '../core/event-bus.js';
import type { DispatchOptions, MessageContext } from '../core/message-context.js';
import type { Type } from '../core/messages.js';

/** One event published on a `RecordingEventBus`, with what it was published with. */
export interface RecordedEvent<E extends object = object> {
  /** The event, as given to `publish()` (the same object, not a copy). */
  readonly event: E;
  /** The options given with it (`undefined` when none were; for `publishAll`, the list's options). */
  readonly options: DispatchOptions | undefined;
  /**
   * A context of that publish, as the bus built it: its `id`, `correlationId`, `causationId`,
   * `timestamp` and `headers` are those every handler of the event sees (SPEC §11 E5), so a test
   * can assert causation (`context.causationId === commandContext.id`).
   */
  readonly context: MessageContext;
}

/**
 * An `EventBus` for unit tests of code that publishes events (a command handler, an aggregate's
 * `commit()`): it records every event published and runs only the handlers a test subscribed, so
 * the events' real handlers (projections, mails) stay out of the test.
 *
 * Provide it in place of the real bus — `{ provide: EventBus, useValue: new RecordingEventBus() }`
 * — or pass it to the constructor of the class under test, then assert on `published`,
 * `publishedOf(Type)` or `records`. Events are recorded synchronously, while `publish()` runs; a
 * value that is not a class instance rejects with `InvalidMessageError`, as on a real bus, and is
 * not recorded.
 */
export class RecordingEventBus extends EventBus {
  private readonly entries: RecordedEvent[] = [];
  /** The `publish`/`publishAll` call being delivered, whose listener calls record into it. */
  private current: Frame | undefined = undefined;

  constructor(options?: EventBusOptions) {
    super(options);
    // The bus tells its listeners of every event it delivers, with a context of that publish.
    this.listen((event, context) => {
      const frame = this.current;
      if (frame === undefined) this.entries.push({ event, options: undefined, context });
      else frame.records.push({ event, options: frame.options, context });
    });
  }

  /** Every event published, oldest first. */
  get published(): readonly object[] {
    return this.entries.map((entry) => entry.event);
  }

  /** Every event published with its options and context, oldest first. */
  get records(): readonly RecordedEvent[] {
    return this.entries;
  }

  /** The published events of exactly this class (not its subclasses, as the bus routes), oldest first. */
  publishedOf<E extends object>(type: Type<E>): E[] {
    return this.entries
      .filter((entry) => Object.getPrototypeOf(entry.event)?.constructor === type)
      .map((entry) => entry.event as E);
  }

  /**
   * Records the event, then runs the handlers subscribed to its class on this bus (none unless the
   * test subscribed some): resolves, or rejects with `EventHandlerError`, as a real bus does.
   */
  override publish(event: object, options?: DispatchOptions): Promise<void> {
    return this.recording(options, () => super.publish(event, options));
  }

  /** Records each event in the order given, then publishes them as a real bus does. */
  override publishAll(events: Iterable<object>, options?: DispatchOptions): Promise<void> {
    return this.recording(options, () => super.publishAll(events, options));
  }

  /** Forgets every recorded event (subscribed handlers stay; `clear()` removes those). */
  reset(): void {
    this.entries.length = 0;
  }

  /**
   * Runs one publish with a frame of its own. A synchronous handler may publish in turn, and the
   * bus tells its listeners only once every handler of an event has started, so the records of
   * this publish are put back in front of those its handlers caused: the log is in call order.
   */
  private recording(options: DispatchOptions | undefined, publish: () => Promise<void>): Promise<void> {
    const outer = this.current;
    const frame: Frame = { options, records: [] };
    const position = this.entries.length;
    this.current = frame;
    try {
      return publish();
    } finally {
      this.current = outer;
      this.entries.splice(position, 0, ...frame.records);
    }
  }
}

/** The records of one `publish`/`publishAll` call while its handlers start. */
interface Frame {
  readonly options: DispatchOptions | undefined;
  readonly records: RecordedEvent[];
}
