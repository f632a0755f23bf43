import { DuplicateHandlerError, InvalidMessageError, type EventHandlerError } from './errors.js';
import { openEnvelope, type EnvelopeTarget } from './envelope.js';
import { MessageBus, type BusOptions } from './message-bus.js';
import {
  ContinuedContext,
  DispatchContext,
  SiblingContext,
  type DispatchOptions,
  type MessageContext,
} from './message-context.js';
import { getMessageMetadata, type Type } from './messages.js';
import { nameOf } from './names.js';
import { DONE } from './results.js';
import { Delivery, handledIfReported, type PublishedEventListener } from './event-delivery.js';

export type { PublishedEventListener };
import type { RegisterOptions, Route } from './route.js';
import { notAnInstance, unreadable } from './unroutable.js';

/** An event handler as a function. Its return value is ignored; a returned promise is awaited. */
export type EventHandlerFn<E> = (event: E, context: MessageContext) => unknown;

/** An event handler as an object (in Nest, a class decorated with `@EventsHandler`). */
export interface IEventHandler<E = any> {
  /** Reacts to the event; a returned promise is awaited, any value is ignored. */
  handle(event: E, context: MessageContext): unknown;
}

/** One event class with its handlers, as `registrations()` reports it. */
export interface EventRegistration {
  /** The event class. */
  readonly messageType: Type;
  /** Its message name (`@Message({ name })`, else the class name). */
  readonly messageName: string;
  /** Its handlers in subscription order, each with the names of its whole middleware chain. */
  readonly handlers: ReadonlyArray<EventHandlerRegistration>;
}

/** One handler of an event class, as `EventBus.registrations()` reports it. */
export interface EventHandlerRegistration {
  /** The handler's class or function name. */
  readonly handler: string;
  /** Names of its whole middleware chain in execution order. */
  readonly middleware: readonly string[];
}

/** Options of an event bus. */
export interface EventBusOptions extends BusOptions {
  /**
   * Called with every `EventHandlerError` (once per failed `publish`/`publishAll`). When set, the
   * promises `publish` returns are marked handled, so an unawaited failing publish is never an
   * `unhandledRejection`; an `await` still sees the rejection (SPEC §11 E4b).
   */
  onError?: (error: EventHandlerError) => void;
  /**
   * Wraps the outcome of every `publish`/`publishAll`/`publishEnvelope`: given the events and the
   * promise that settles once all their handlers have, it returns the promise the caller gets.
   * For steps that must follow the whole publish, such as the query cache's invalidation (§13 Q3).
   */
  afterPublish?: (events: readonly object[], outcome: Promise<void>) => Promise<void>;
}

const NO_ROUTES: readonly Route[] = Object.freeze([]);

/** The event classes a bus knows under a name, for envelopes: the class and its version. */
interface NamedEvent extends EnvelopeTarget {
  readonly routes: readonly Route[];
}

/**
 * Publishes events (facts that already happened) to every handler subscribed to their class, in
 * subscription order. Each handler runs its own middleware chain with its own context; `publish`
 * settles once all have, and gathers every failure into one `EventHandlerError`.
 */
export class EventBus extends MessageBus {
  /** Handlers per event class; an array is replaced, never changed, so a publish in progress keeps its own. */
  private readonly subscriptions = new Map<Function, readonly Route[]>();
  /** Replaced, never changed, like the subscriptions: a listener may stop itself while it is told. */
  private listeners: readonly PublishedEventListener[] = [];
  private readonly onError: ((error: EventHandlerError) => void) | undefined;
  private readonly afterPublish: EventBusOptions['afterPublish'];
  private lastPrototype: object | undefined = undefined;
  private lastRoutes: readonly Route[] = NO_ROUTES;

  constructor(options: EventBusOptions = {}) {
    super('event', options);
    this.onError = options.onError;
    this.afterPublish = options.afterPublish;
  }

  /**
   * Subscribes a handler to an event class (one of any number). Subscribing the same function or
   * object twice to one class throws `DuplicateHandlerError`. Returns a function that unsubscribes it.
   */
  subscribe<E extends object>(
    type: Type<E>,
    handler: EventHandlerFn<E> | IEventHandler<E>,
    options?: RegisterOptions,
  ): () => void {
    const route = this.newRoute(type, handler, 'handle', options);
    const existing = this.subscriptions.get(route.messageType) ?? NO_ROUTES;
    const twice = existing.find((other) => other.handler === route.handler);
    if (twice) {
      throw new DuplicateHandlerError(route.messageType, twice.handlerName, route.handlerName, 'event');
    }
    this.subscriptions.set(route.messageType, [...existing, route]);
    this.claimName(route);
    this.forgetLastRoutes();
    return () => this.unsubscribe(route);
  }

  /** Whether at least one handler is subscribed to exactly this class. */
  has(type: Type): boolean {
    return this.subscriptions.has(type);
  }

  /** Every event class with its handlers and their middleware chains, in subscription order. */
  registrations(): ReadonlyArray<EventRegistration> {
    return [...this.subscriptions.values()].map((routes) => ({
      messageType: routes[0]!.messageType,
      messageName: routes[0]!.messageName,
      handlers: routes.map((route) => ({ handler: route.handlerName, middleware: this.chainNames(route) })),
    }));
  }

  /**
   * Calls `listener` for every event published from now on, after its handlers have started.
   * Returns a function that stops it.
   */
  listen(listener: PublishedEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((other) => other !== listener);
    };
  }

  /**
   * Publishes an event to all its handlers: every chain starts synchronously, in subscription
   * order, before this returns (E3). Resolves once all have settled; rejects with
   * `EventHandlerError` when any failed, after all have settled (E4). An event nobody handles
   * resolves.
   */
  publish(event: object, options?: DispatchOptions): Promise<void> {
    let routes: readonly Route[];
    try {
      routes = this.routesOf(event);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.deliver([event], [routes], options, undefined);
  }

  /**
   * Publishes events in the order given, each as `publish` does, and settles once every handler
   * of every event has; all failures are gathered into one `EventHandlerError` (E6). A value that
   * is not a class instance anywhere in the list rejects with `InvalidMessageError` and nothing is
   * published.
   */
  publishAll(events: Iterable<object>, options?: DispatchOptions): Promise<void> {
    let list: object[];
    let routes: (readonly Route[])[];
    try {
      if (events === null || typeof (events as Iterable<object>)?.[Symbol.iterator] !== 'function') {
        throw new InvalidMessageError(`publishAll() needs an iterable of events, got ${nameOf(events)}`);
      }
      list = [...events];
      routes = list.map((event) => this.routesOf(event));
    } catch (error) {
      return Promise.reject(error);
    }
    return list.length === 0 ? DONE : this.deliver(list, routes, options, undefined);
  }

  /**
   * Publishes an event received as an envelope (untrusted parsed JSON, SPEC §10, §11 E7): only
   * names with at least one handler on this bus are accepted, and every handler's context
   * continues the sender's. Anything malformed rejects with `EnvelopeError`; no handler runs.
   */
  publishEnvelope(envelope: unknown, options?: DispatchOptions): Promise<void> {
    let opened;
    try {
      opened = openEnvelope('event', envelope, (name) => this.eventNamed(name), options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { target, message } = opened;
    const first = new ContinuedContext(target.routes[0]!, opened.options, opened.origin);
    return this.deliver([message], [target.routes], opened.options, first);
  }

  protected routes(): Iterable<Route> {
    return [...this.subscriptions.values()].flat();
  }

  protected removeAllRoutes(): void {
    this.subscriptions.clear();
    this.forgetLastRoutes();
  }

  private unsubscribe(route: Route): void {
    const routes = this.subscriptions.get(route.messageType);
    if (routes === undefined || !routes.includes(route)) return;
    const rest = routes.filter((other) => other !== route);
    if (rest.length === 0) {
      this.subscriptions.delete(route.messageType);
      this.releaseName(route);
    } else {
      this.subscriptions.set(route.messageType, rest);
    }
    this.forgetLastRoutes();
  }

  /** Open: an event's handlers, after checking that it is a class instance (E2). */
  private routesOf(event: unknown): readonly Route[] {
    if (typeof event === 'object' && event !== null) {
      let prototype: object | null;
      let routes: readonly Route[] | undefined;
      try {
        prototype = Object.getPrototypeOf(event);
        if (prototype === this.lastPrototype) return this.lastRoutes;
        routes = prototype === null ? undefined : this.subscriptions.get(prototype.constructor);
      } catch (error) {
        throw unreadable(error);
      }
      if (routes !== undefined && routes[0]!.prototype === prototype) {
        this.lastPrototype = prototype!;
        this.lastRoutes = routes;
        return routes;
      }
    }
    let detail: string | undefined;
    try {
      detail = notAnInstance(event);
    } catch (error) {
      throw unreadable(error);
    }
    if (detail !== undefined) throw new InvalidMessageError(detail);
    return NO_ROUTES;
  }

  private eventNamed(name: string): NamedEvent | undefined {
    const type = this.typeNamed(name);
    const routes = type === undefined ? undefined : this.subscriptions.get(type);
    if (routes === undefined) return undefined;
    return { messageType: type!, messageVersion: routes[0]!.messageVersion, routes };
  }

  /**
   * Execute: starts every handler of every event, in order, each with its own context sharing the
   * publish's identity (E5), tells the listeners, and returns the promise of the outcome.
   */
  private deliver(
    events: readonly object[],
    routesPerEvent: readonly (readonly Route[])[],
    options: DispatchOptions | undefined,
    envelopeContext: DispatchContext | undefined,
  ): Promise<void> {
    const inFlight = this.inFlight;
    if (inFlight !== undefined) {
      try {
        inFlight.enter('event');
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const delivery = new Delivery(this.onError);
    const cause = envelopeContext === undefined ? this.causeFromPropagation() : undefined;
    for (let e = 0; e < events.length; e++) {
      const event = events[e]!;
      const routes = routesPerEvent[e]!;
      let identity = envelopeContext;
      for (let r = 0; r < routes.length; r++) {
        const route = routes[r]!;
        let context: DispatchContext | undefined;
        if (identity === undefined) {
          if (options === undefined && route.canSkipContext()) context = undefined;
          else context = identity = new DispatchContext(route, options, cause);
        } else {
          // The envelope's context is the first handler's; every later handler gets a sibling.
          context = r === 0 ? identity : new SiblingContext(route, identity);
        }
        delivery.run(route, event, context);
      }
      if (this.listeners.length > 0) {
        identity ??= new DispatchContext(listenerRoute(event, routes), options, cause);
        for (const listener of this.listeners) delivery.tell(listener, event, identity);
      }
    }
    let outcome = delivery.outcome();
    if (this.afterPublish !== undefined) {
      outcome = this.afterPublish(events, outcome);
      // The wrapper's promise is new: an EventHandlerError it passes on has been reported already.
      if (this.onError !== undefined && outcome !== DONE) outcome = handledIfReported(outcome);
    }
    inFlight?.watch(outcome);
    return outcome;
  }

  private forgetLastRoutes(): void {
    this.lastPrototype = undefined;
    this.lastRoutes = NO_ROUTES;
  }
}

/** The route a listener's context describes when the event has no handler to borrow it from. */
function listenerRoute(event: object, routes: readonly Route[]) {
  if (routes.length > 0) return routes[0]!;
  const messageType = Object.getPrototypeOf(event).constructor as Type;
  return {
    kind: 'event' as const,
    messageType,
    messageName: getMessageMetadata(messageType).name,
    handlerName: '',
  };
}
