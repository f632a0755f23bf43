import { currentHandlerContext } from './context-propagation.js';
import { DuplicateMessageNameError, type MessageKind } from './errors.js';
import { createEnvelope, type Envelope } from './envelope.js';
import type { InFlightTracker } from './in-flight-tracker.js';
import { DispatchContext, type DispatchOptions, type MessageContext } from './message-context.js';
import type { Type } from './messages.js';
import { assertMiddleware, middlewareNames, type Middleware } from './middleware.js';
import { asPromiseOrValue, completion, DONE } from './results.js';
import { createRoute, type HandlerMethod, type RegisterOptions, type Route } from './route.js';

/** Options of a bus. */
export interface BusOptions {
  /** Bus-level middleware, outermost first. More can be appended with `use()`. */
  middleware?: Middleware[];
  /** A dispatch made while a handler runs defaults `causedBy` to that handler's context (SPEC §5 C2). */
  propagateContext?: boolean;
  /**
   * Count this bus's dispatches in flight on this tracker, so that `tracker.shutdown()` can wait
   * for them and then refuse new ones. Off by default; the Nest module turns it on.
   */
  inFlight?: InFlightTracker;
}

/**
 * One dispatch, opened: the route it goes to, the message the chain receives and the context
 * (`undefined` when nothing in the chain could observe one, SPEC §5 C3).
 */
export interface OpenedDispatch {
  readonly route: Route;
  readonly message: object;
  readonly context: DispatchContext | undefined;
}

/** A bus's way of opening what one of its public methods received. */
export type Opener<B> = (this: B, input: unknown, options: DispatchOptions | undefined) => OpenedDispatch;

/**
 * What every bus shares: bus-level middleware and chain composition, message names, contexts,
 * in-flight counting, and the two steps of a dispatch, **open** (the subclass turns a message or
 * an envelope into an `OpenedDispatch`; every check happens there) and **execute** (the route's
 * composed chain runs).
 */
export abstract class MessageBus {
  private readonly busMiddleware: Middleware[] = [];
  /** Message name → class, so that two classes never share a name on one bus (SPEC §10). */
  private readonly namedTypes = new Map<string, Type>();
  /** Whether dispatches default `causedBy` to the running handler's context (C2). */
  protected readonly propagateContext: boolean;
  /** Counts this bus's dispatches when set (`BusOptions.inFlight`). */
  protected readonly inFlight: InFlightTracker | undefined;

  protected constructor(
    protected readonly kind: MessageKind,
    options: BusOptions = {},
  ) {
    this.propagateContext = options.propagateContext === true;
    this.inFlight = options.inFlight;
    if (options.middleware) {
      // No route exists yet: nothing to recompose (and the subclass's fields are not set up).
      assertMiddleware(options.middleware);
      this.busMiddleware.push(...options.middleware);
    }
  }

  /** Whether at least one handler is registered for exactly this class. */
  abstract has(type: Type): boolean;

  /** Appends bus-level middleware (after any already there) and recomposes every chain. */
  use(...middleware: Middleware[]): this {
    assertMiddleware(middleware);
    this.busMiddleware.push(...middleware);
    for (const route of this.routes()) route.compose(this.busMiddleware, this.propagateContext);
    return this;
  }

  /** Removes every registration (bus-level middleware stays). */
  clear(): void {
    this.namedTypes.clear();
    this.removeAllRoutes();
  }

  /**
   * Wraps a message in a JSON-safe envelope for another process (SPEC §10). The message's class
   * need not be registered on this bus; the receiving bus decides what it accepts.
   */
  toEnvelope(message: object, options?: DispatchOptions): Envelope {
    return createEnvelope(this.kind, message, options);
  }

  /** Every route of the bus, for recomposition. */
  protected abstract routes(): Iterable<Route>;

  /** Forgets every route (the names are already forgotten). */
  protected abstract removeAllRoutes(): void;

  /** Checks a registration and builds its composed route; the bus is not changed. */
  protected newRoute(
    type: Type,
    handler: unknown,
    method: HandlerMethod,
    options: RegisterOptions | undefined,
  ): Route {
    const route = createRoute(this.kind, type, handler, method, options, this.propagateContext);
    const named = this.namedTypes.get(route.messageName);
    if (named !== undefined && named !== route.messageType) {
      throw new DuplicateMessageNameError(route.messageName, named, route.messageType);
    }
    route.compose(this.busMiddleware, this.propagateContext);
    return route;
  }

  /** Reserves a route's message name for its class (checked by `newRoute`). */
  protected claimName(route: Route): void {
    this.namedTypes.set(route.messageName, route.messageType);
  }

  /** Frees a message name once its class has no handler left. */
  protected releaseName(route: Route): void {
    if (this.namedTypes.get(route.messageName) === route.messageType)
      this.namedTypes.delete(route.messageName);
  }

  /** The class registered under a message name, for envelopes (the allow-list). */
  protected typeNamed(name: string): Type | undefined {
    return this.namedTypes.get(name);
  }

  /** The names of the bus's middleware followed by a route's own, as `registrations()` reports them. */
  protected chainNames(route: Route): string[] {
    return [...middlewareNames(this.busMiddleware), ...middlewareNames(route.ownMiddleware)];
  }

  /** The context of a new dispatch on `route`, or `undefined` when nothing could observe it (C3). */
  protected contextFor(route: Route, options: DispatchOptions | undefined): DispatchContext | undefined {
    if (options === undefined && route.canSkipContext()) return undefined;
    return new DispatchContext(route, options, this.causeFromPropagation());
  }

  /** The running handler's context when propagation is on (C2). */
  protected causeFromPropagation(): MessageContext | undefined {
    return this.propagateContext ? currentHandlerContext() : undefined;
  }

  /**
   * Opens and executes one dispatch, counted in flight until its result settles: the chain's
   * result as a promise or a plain value. Never throws (B2).
   */
  protected send(open: Opener<this>, input: unknown, options: DispatchOptions | undefined): unknown {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return this.execute(open, input, options);
    try {
      inFlight.enter(this.kind); // throws BusShutDownError once closed
    } catch (error) {
      return Promise.reject(error);
    }
    const result = this.execute(open, input, options);
    inFlight.watch(result);
    return result;
  }

  /**
   * `send` for a dispatch whose promise resolves to `undefined` (B4). A counted dispatch is
   * counted out in the same reaction that discards the value: no extra promise step.
   */
  protected sendVoid(
    open: Opener<this>,
    input: unknown,
    options: DispatchOptions | undefined,
  ): Promise<void> {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return completion(this.execute(open, input, options));
    try {
      inFlight.enter(this.kind); // throws BusShutDownError once closed
    } catch (error) {
      return Promise.reject(error);
    }
    const result = this.execute(open, input, options);
    if (result instanceof Promise) return result.then(inFlight.leaveWithUndefined, inFlight.leaveWithError);
    inFlight.leave();
    return DONE;
  }

  /** Open, then execute: the chain's result as a promise or a plain value; a throw becomes a rejection. */
  private execute(open: Opener<this>, input: unknown, options: DispatchOptions | undefined): unknown {
    try {
      const dispatch = open.call(this, input, options);
      return asPromiseOrValue(dispatch.route.invoke(dispatch.message, dispatch.context as DispatchContext));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
