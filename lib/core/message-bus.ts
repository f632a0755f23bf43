import { handlerContextStorage, currentHandlerContext } from './context-propagation.js';
import { mayReadContext } from './context-use.js';
import {
  CqrsError,
  DuplicateHandlerError,
  DuplicateMessageNameError,
  HandlerNotFoundError,
  InvalidHandlerError,
  InvalidMessageError,
  MiddlewareResolutionError,
  type MessageKind,
} from './errors.js';
import { createEnvelope, openEnvelope, type Envelope } from './envelope.js';
import {
  ContinuedContext,
  DispatchContext,
  type DispatchOptions,
  type MessageContext,
  type MessageRoute,
} from './message-context.js';
import type { InFlightTracker } from './in-flight-tracker.js';
import { getMessageMetadata, type Type } from './messages.js';
import {
  assertMiddleware,
  composeChain,
  middlewareNames,
  type Invoker,
  type Middleware,
} from './middleware.js';
import { describeError, nameOf } from './names.js';
import { isObservable, lastValue } from './observable.js';

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

/** Options of one registration. */
export interface RegisterOptions {
  /** Middleware for this message type only; runs after the bus's middleware. */
  middleware?: Middleware[];
}

/** One registered message type, as `registrations()` reports it. */
export interface Registration {
  /** The registered message class. */
  readonly messageType: Type;
  /** Its message name (`@Message({ name })`, else the class name). */
  readonly messageName: string;
  /** The handler's class name or function name. */
  readonly handler: string;
  /** Names of the whole middleware chain in execution order. */
  readonly middleware: readonly string[];
}

/** A handler in either form: a function, or an object whose `execute` method is called. */
type AnyHandler =
  | ((message: any, context: MessageContext) => unknown)
  | { execute(message: any, context: MessageContext): unknown };

/** What a bus holds per registered type: its identity and its composed chain. */
class Route implements MessageRoute {
  invoke: Invoker;
  /** Set when composing: no middleware, no propagation, and a handler that ignores its context. */
  contextFree = false;
  /** The handler cannot see its second argument (see `mayReadContext`). */
  readonly handlerIgnoresContext: boolean;
  /** The function called for a message: the handler itself, or its `execute` as registered. */
  private readonly registeredExecute: Function;

  constructor(
    readonly kind: MessageKind,
    readonly messageType: Type,
    readonly messageName: string,
    readonly messageVersion: number,
    readonly handlerName: string,
    readonly ownMiddleware: readonly Middleware[],
    readonly terminal: Invoker,
    private readonly handler: AnyHandler,
  ) {
    this.invoke = terminal;
    this.registeredExecute = typeof handler === 'function' ? handler : handler.execute;
    this.handlerIgnoresContext = !mayReadContext(this.registeredExecute);
  }

  /**
   * Whether a dispatch can skip building a context because nothing could observe it. A handler
   * object whose `execute` was replaced since registration (a test spy, say) gets one again.
   */
  canSkipContext(): boolean {
    return (
      this.contextFree &&
      (typeof this.handler === 'function' || this.handler.execute === this.registeredExecute)
    );
  }
}

/** The machinery both buses share: the registry, middleware composition and message routing. */
export abstract class MessageBus {
  private readonly routes = new Map<Function, Route>();
  private readonly routesByName = new Map<string, Route>();
  private readonly busMiddleware: Middleware[] = [];
  private readonly propagateContext: boolean;
  /** Counts this bus's dispatches when set (`BusOptions.inFlight`); the buses then use `runTracked`. */
  protected readonly inFlight: InFlightTracker | undefined;

  protected constructor(
    private readonly kind: MessageKind,
    options: BusOptions = {},
  ) {
    this.propagateContext = options.propagateContext === true;
    this.inFlight = options.inFlight;
    if (options.middleware) this.use(...options.middleware);
  }

  /** Whether a handler is registered for exactly this class. */
  has(type: Type): boolean {
    return this.routes.has(type);
  }

  /** Appends bus-level middleware (after any already there) and recomposes every chain. */
  use(...middleware: Middleware[]): this {
    assertMiddleware(middleware);
    this.busMiddleware.push(...middleware);
    for (const route of this.routes.values()) this.compose(route);
    return this;
  }

  /** Removes every registration (bus-level middleware stays). */
  clear(): void {
    this.routes.clear();
    this.routesByName.clear();
  }

  /** Every registered type with its handler and middleware chain, for introspection and docs. */
  registrations(): ReadonlyArray<Registration> {
    const busNames = middlewareNames(this.busMiddleware);
    return [...this.routes.values()].map((route) => ({
      messageType: route.messageType,
      messageName: route.messageName,
      handler: route.handlerName,
      middleware: [...busNames, ...middlewareNames(route.ownMiddleware)],
    }));
  }

  /** Registers a handler; returns a function that unregisters it. */
  protected addRoute(type: Type, handler: AnyHandler, options?: RegisterOptions): () => void {
    let route: Route;
    try {
      route = this.createRoute(type, handler, options ?? {});
    } catch (error) {
      if (error instanceof CqrsError) throw error;
      // A hostile argument (a throwing getter or Proxy trap) still ends as the documented error.
      throw new InvalidHandlerError(
        `Cannot register a ${this.kind} handler: reading the message type, handler or options threw (${describeError(error)}).`,
        { cause: error },
      );
    }
    const { messageType, messageName } = route;
    const existing = this.routes.get(messageType);
    if (existing) throw new DuplicateHandlerError(messageType, existing.handlerName, route.handlerName);
    const sameName = this.routesByName.get(messageName);
    if (sameName) throw new DuplicateMessageNameError(messageName, sameName.messageType, messageType);
    this.compose(route);
    this.routes.set(messageType, route);
    this.routesByName.set(messageName, route);
    return () => {
      if (this.routes.get(messageType) !== route) return;
      this.routes.delete(messageType);
      this.routesByName.delete(messageName);
    };
  }

  /** Checks what `register()` was given and builds its route, without changing the bus. */
  private createRoute(type: Type, handler: AnyHandler, options: RegisterOptions): Route {
    if (
      typeof type !== 'function' ||
      typeof type.prototype !== 'object' ||
      type.prototype === null ||
      type === Object ||
      // Messages are routed by `prototype.constructor`: a class that is not its own prototype's
      // constructor could never be reached.
      type.prototype.constructor !== type
    ) {
      throw new InvalidHandlerError(
        `Cannot register a ${this.kind} handler for ${nameOf(type)}: the message type must be a class of your own.`,
      );
    }
    const terminal = this.terminalFor(type, handler);
    const middleware = options.middleware ?? [];
    if (!Array.isArray(middleware)) {
      throw new MiddlewareResolutionError(middleware, 'the middleware option of register() must be an array');
    }
    const ownMiddleware = [...middleware];
    assertMiddleware(ownMiddleware);
    const { name, version } = getMessageMetadata(type);
    return new Route(this.kind, type, name, version, nameOf(handler), ownMiddleware, terminal, handler);
  }

  /**
   * Runs the chain for a message and returns what it returns (a value or a promise). Throws
   * synchronously; the public `dispatch`/`ask` turn that into a rejection.
   */
  protected run(message: object, options: DispatchOptions | undefined): unknown {
    const route = this.routeOf(message);
    if (options === undefined && route.canSkipContext()) {
      // Nothing in this chain can observe a context: skip the clock read and the allocation.
      return route.invoke(message, undefined as never);
    }
    const context = new DispatchContext(
      route,
      options,
      this.propagateContext ? currentHandlerContext() : undefined,
    );
    return route.invoke(message, context);
  }

  /**
   * `run` (or `runEnvelope`) counted by the in-flight tracker, as the promise `dispatch`/`ask`
   * return: of `undefined` when `voidResult`, else of the chain's result. The count drops when
   * that promise settles, with no extra promise in between.
   */
  protected runTracked(
    inFlight: InFlightTracker,
    input: unknown,
    options: DispatchOptions | undefined,
    envelope: boolean,
    voidResult: boolean,
  ): Promise<unknown> {
    let result: unknown;
    try {
      inFlight.enter(this.kind);
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      result = envelope ? this.runEnvelope(input, options) : this.run(input as object, options);
    } catch (error) {
      inFlight.leave();
      return Promise.reject(error);
    }
    return inFlight.settle(result, voidResult);
  }

  /**
   * Wraps a message in a JSON-safe envelope for another process (SPEC §10). The message's class
   * need not be registered on this bus; the receiving bus decides what it accepts.
   */
  toEnvelope(message: object, options?: DispatchOptions): Envelope {
    return createEnvelope(this.kind, message, options);
  }

  /**
   * Checks an untrusted envelope, rebuilds its message as an instance of the class registered
   * under its name, and runs it with the envelope's identity. Throws like `run`.
   */
  protected runEnvelope(envelope: unknown, options: DispatchOptions | undefined): unknown {
    const opened = openEnvelope(
      this.kind,
      envelope,
      (name) => this.routesByName.get(name),
      options ?? undefined,
    );
    const route = opened.target;
    return route.invoke(opened.message, new ContinuedContext(route, opened.options, opened.origin));
  }

  private routeOf(message: unknown): Route {
    if (typeof message === 'object' && message !== null) {
      let route: Route | undefined;
      let prototype: unknown;
      try {
        prototype = Object.getPrototypeOf(message);
        route = prototype === null ? undefined : this.routes.get((prototype as object).constructor);
      } catch (error) {
        throw new InvalidMessageError(`reading its class threw (${describeError(error)})`, { cause: error });
      }
      // The class must own the prototype: `constructor` alone can be copied onto any object.
      if (route !== undefined && route.messageType.prototype === prototype) return route;
    }
    throw this.unroutable(message);
  }

  private unroutable(message: unknown): Error {
    try {
      return this.unroutableReason(message);
    } catch (error) {
      return new InvalidMessageError(`reading its class threw (${describeError(error)})`, { cause: error });
    }
  }

  private unroutableReason(message: unknown): Error {
    if (message === null || message === undefined)
      return new InvalidMessageError(`received ${String(message)}`);
    if (typeof message === 'function') {
      return new InvalidMessageError(
        `received the function ${nameOf(message)} (pass an instance, not the class)`,
      );
    }
    if (typeof message !== 'object') return new InvalidMessageError(`received a ${typeof message}`);
    if (Array.isArray(message)) return new InvalidMessageError('received an array');
    const prototype = Object.getPrototypeOf(message);
    if (prototype === null || Object.getPrototypeOf(prototype) === null) {
      return new InvalidMessageError('received a plain object, which has no class to route it by');
    }
    const type = prototype.constructor;
    if (typeof type !== 'function') return new InvalidMessageError('its prototype has no constructor');
    if (type.prototype !== prototype) {
      return new InvalidMessageError(
        `its prototype is not ${nameOf(type)}.prototype, although its constructor property names ${nameOf(type)} ` +
          `(an object made with Object.create(), or a subclass that does not set its own constructor)`,
      );
    }
    return new HandlerNotFoundError(this.kind, type);
  }

  private terminalFor(type: Type, handler: AnyHandler): Invoker {
    let call: Invoker;
    if (typeof handler === 'function') {
      if (/^class[\s{]/.test(Function.prototype.toString.call(handler))) {
        throw new InvalidHandlerError(
          `The ${this.kind} handler for ${nameOf(type)} is the class ${nameOf(handler)}; register an instance of it (new ${nameOf(handler)}(...)) or a function.`,
        );
      }
      call = (message, context) => settle(handler(message, context));
    } else if (typeof handler === 'object' && handler !== null && typeof handler.execute === 'function') {
      call = (message, context) => settle(handler.execute(message, context));
    } else {
      throw new InvalidHandlerError(
        `The ${this.kind} handler for ${nameOf(type)} must be a function or an object with an execute() method, got ${nameOf(handler)}.`,
      );
    }
    if (!this.propagateContext) return call;
    const storage = handlerContextStorage();
    return (message, context) => storage.run(context, call, message, context);
  }

  private compose(route: Route): void {
    const chain =
      this.busMiddleware.length === 0 ? route.ownMiddleware : [...this.busMiddleware, ...route.ownMiddleware];
    route.invoke = composeChain(chain, route.terminal);
    route.contextFree = chain.length === 0 && !this.propagateContext && route.handlerIgnoresContext;
  }
}

/** A handler's result, with an Observable turned into a promise of its last value. */
function settle(result: unknown): unknown {
  return isObservable(result) ? lastValue(result) : result;
}
