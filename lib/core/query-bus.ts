import { HandlerBus } from './handler-bus.js';
import type { BusOptions } from './message-bus.js';
import type { DispatchOptions, MessageContext } from './message-context.js';
import type { Query, QueryResult, Type } from './messages.js';
import type { ObservableLike } from './observable.js';
import { toPromise } from './results.js';
import type { RegisterOptions } from './route.js';

/** A query handler as a function: returns the result, a promise of it, or an Observable of it. */
export type QueryHandlerFn<Q, R = QueryResult<Q>> = (
  query: Q,
  context: MessageContext,
) => R | Promise<R> | ObservableLike<R>;

/** A query handler as an object (in Nest, a class decorated with `@QueryHandler`). */
export interface IQueryHandler<Q = any, R = QueryResult<Q>> {
  /** Answers the query: the result, a promise of it, or an Observable (its last value counts). */
  execute(query: Q, context: MessageContext): R | Promise<R> | ObservableLike<R>;
}

/**
 * Sends queries (messages that return data and change nothing) to their one handler each.
 * `TDefault` is the result type of `ask()` for queries that do not extend `Query<R>`.
 */
export class QueryBus<TDefault = unknown> extends HandlerBus {
  constructor(options?: BusOptions) {
    super('query', options);
  }

  /**
   * Registers the handler of a query class. Throws `DuplicateHandlerError` if the class already
   * has one on this bus. Returns a function that unregisters it.
   */
  register<Q extends object>(
    type: Type<Q>,
    handler: QueryHandlerFn<Q> | IQueryHandler<Q>,
    options?: RegisterOptions,
  ): () => void {
    return this.addRoute(type, handler, options);
  }

  /**
   * Runs a query through the middleware chain to its handler and resolves to the result: the
   * `TResult` of a `Query<TResult>`, else `TDefault`. Every failure is a rejection.
   */
  ask<R>(query: Query<R>, options?: DispatchOptions): Promise<R>;
  ask(query: object, options?: DispatchOptions): Promise<TDefault>;
  ask(query: object, options?: DispatchOptions): Promise<unknown> {
    return toPromise(this.send(this.openMessage, query, options));
  }

  /**
   * Asks a query received as an envelope (untrusted parsed JSON, SPEC §10): only names registered
   * on this bus are accepted, and the handler sees the envelope's id, correlation, causation,
   * timestamp and headers (`options.headers` are added and win). Anything malformed rejects with
   * `EnvelopeError` and the handler does not run.
   */
  askEnvelope<R = TDefault>(envelope: unknown, options?: DispatchOptions): Promise<R> {
    return toPromise(this.send(this.openEnvelope, envelope, options));
  }
}
