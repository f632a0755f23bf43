import { NoPublisherError } from './errors.js';
import type { DispatchOptions } from './message-context.js';

/** Where `EventPublisher` leaves the bus an aggregate commits to (on the instance, or on a merged class's prototype). */
export const AGGREGATE_PUBLISHER = Symbol('nestjs-cqrs-lite:aggregate-publisher');

/** What an aggregate commits through: an `EventBus`, or anything with its `publishAll`. */
export interface AggregatePublisher {
  /** Publishes events in order and settles once every handler has (SPEC §11 E6). */
  publishAll(events: Iterable<object>, options?: DispatchOptions): Promise<void>;
}

/** Options of `AggregateRoot.apply()`. */
export interface ApplyOptions {
  /** The event is being replayed (`loadFromHistory`): its handler runs, but it is not recorded. */
  fromHistory?: boolean;
  /** Record the event without calling its `on<EventName>` method (as in `@nestjs/cqrs`). */
  skipHandler?: boolean;
}

/**
 * Base class of a domain model that changes state by applying events (SPEC §12 A1–A3), under
 * `@nestjs/cqrs`'s name. `apply(event)` calls the model's `on<EventClassName>(event)` method, if it
 * has one, and records the event; `commit()` publishes what was recorded through the `EventBus`
 * that `EventPublisher.mergeObjectContext()` (or `mergeClassContext()`) attached, and returns the
 * promise of that publish. Framework-free.
 */
export abstract class AggregateRoot<EventBase extends object = object> {
  /** Applied and not yet committed, in apply order. A private field: invisible to diffs and JSON. */
  #uncommitted: EventBase[] = [];

  /**
   * Applies an event: calls `on<EventClassName>(event)` when the aggregate has that method (the
   * event class's `name`, not its `@Message` name), then records the event unless `fromHistory`.
   * A handler that throws leaves the event unrecorded. `apply(event, true)` is `@nestjs/cqrs`'s
   * spelling of `{ fromHistory: true }`.
   */
  apply<T extends EventBase = EventBase>(event: T, options?: ApplyOptions | boolean): void {
    const { fromHistory = false, skipHandler = false } =
      typeof options === 'boolean' ? { fromHistory: options } : (options ?? {});
    if (!skipHandler) {
      const handler = this.getEventHandler(event);
      if (handler !== undefined) handler.call(this, event);
    }
    if (!fromHistory) this.#uncommitted.push(event);
  }

  /** A copy of the events applied since the last `commit()` / `uncommit()`, in apply order. */
  getUncommittedEvents(): EventBase[] {
    return [...this.#uncommitted];
  }

  /** Forgets the uncommitted events without publishing them. */
  uncommit(): void {
    this.#uncommitted = [];
  }

  /** Rebuilds state by applying past events with `fromHistory` (their handlers run; nothing is recorded). */
  loadFromHistory(events: Iterable<EventBase>): void {
    for (const event of events) this.apply(event, { fromHistory: true });
  }

  /**
   * Publishes the uncommitted events in order with one `publishAll(events, options)` on the merged
   * bus, after clearing them (a second `commit()` publishes nothing twice); settles as that publish
   * does. Pass `{ causedBy: context }` from a command handler so the events carry its correlation.
   * Rejects with `NoPublisherError` (the events stay recorded) when no `EventPublisher` merged it.
   */
  commit(options?: DispatchOptions): Promise<void> {
    const publisher = (this as { [AGGREGATE_PUBLISHER]?: AggregatePublisher })[AGGREGATE_PUBLISHER];
    if (publisher === undefined) return Promise.reject(new NoPublisherError(this.constructor));
    const events = this.#uncommitted;
    this.#uncommitted = [];
    if (events.length === 0) return Promise.resolve();
    try {
      return publisher.publishAll(events, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The method `apply()` calls for an event: `on<EventClassName>`, or `undefined`. Override to change the convention. */
  protected getEventHandler(event: EventBase): ((event: EventBase) => unknown) | undefined {
    const handler = (this as Record<string, unknown>)[`on${this.getEventName(event)}`];
    return typeof handler === 'function' ? (handler as (event: EventBase) => unknown) : undefined;
  }

  /** The name `getEventHandler` looks for: the event's class name. */
  protected getEventName(event: EventBase): string {
    return (Object.getPrototypeOf(event)?.constructor as Function | undefined)?.name ?? '';
  }
}
