import type { BusOptions } from '../core/message-bus.js';
import type { DispatchOptions } from '../core/message-context.js';
import type { Query, QueryResult, Type } from '../core/messages.js';
import { QueryBus, type QueryHandlerFn } from '../core/query-bus.js';
import { isClassInstance, MessageLog, type RecordedMessage } from './message-log.js';

/**
 * A `QueryBus` for unit tests of code that asks queries: answers come from stubs instead of real
 * handlers, and every query asked is recorded.
 *
 * Provide it in place of the real bus — `{ provide: QueryBus, useValue: new StubQueryBus() }` —
 * stub the answers the test needs with `stub()`/`stubResult()`, then assert on `asked`. A query
 * with no stub rejects with `HandlerNotFoundError`, as on a real bus, so a missing stub shows up.
 * Stubs are registered handlers: they run through the bus's middleware, if it has any.
 */
export class StubQueryBus<TDefault = unknown> extends QueryBus<TDefault> {
  private readonly log = new MessageLog();
  private readonly stubs = new Map<Function, () => void>();

  constructor(options?: BusOptions) {
    super(options);
  }

  /**
   * Answers every query of this class with `answer(query, context)`: a value, a promise or an
   * Observable, typed by the query's `Query<R>`. Replaces an earlier stub of the same class.
   */
  stub<Q extends object>(type: Type<Q>, answer: QueryHandlerFn<Q>): this {
    this.stubs.get(type)?.();
    // A wrapper, so that the same function can answer several classes.
    const unregister = this.register(type, (query: Q, context) => answer(query, context));
    this.stubs.set(type, unregister);
    return this;
  }

  /** Answers every query of this class with `result`. Replaces an earlier stub of the same class. */
  stubResult<Q extends object>(type: Type<Q>, result: QueryResult<Q>): this {
    return this.stub(type, () => result);
  }

  /** Every query asked, oldest first. */
  get asked(): readonly object[] {
    return this.log.messages;
  }

  /** Every query asked with the options it was asked with, oldest first. */
  get records(): readonly RecordedMessage[] {
    return this.log.records;
  }

  /** The asked queries of exactly this class, oldest first. */
  askedOf<Q extends object>(type: Type<Q>): Q[] {
    return this.log.ofType(type);
  }

  /** Records the query, then answers it from its stub (or a handler registered with `register()`). */
  override ask<R>(query: Query<R>, options?: DispatchOptions): Promise<R>;
  override ask(query: object, options?: DispatchOptions): Promise<TDefault>;
  override ask(query: object, options?: DispatchOptions): Promise<unknown> {
    if (isClassInstance(query)) this.log.record(query, options);
    return super.ask(query, options);
  }

  /** Forgets every recorded query (stubs stay; `clear()` removes those). */
  reset(): void {
    this.log.clear();
  }

  /** Removes every stub and registration (recorded queries stay; `reset()` forgets those). */
  override clear(): void {
    this.stubs.clear();
    super.clear();
  }
}
