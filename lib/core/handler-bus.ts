import { openEnvelope } from './envelope.js';
import { MessageBus, type OpenedDispatch } from './message-bus.js';
import { ContinuedContext, type DispatchOptions } from './message-context.js';
import type { Type } from './messages.js';
import { DuplicateHandlerError } from './errors.js';
import type { HandlerMethod, RegisterOptions, Route } from './route.js';
import { unreadable, unroutable } from './unroutable.js';

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

/**
 * A bus on which every message class has exactly one handler: the routing the command and query
 * buses share. A message is routed by its exact class (SPEC §2).
 */
export abstract class HandlerBus extends MessageBus {
  private readonly routesByType = new Map<Function, Route>();
  /** The last route a message was sent to, by its prototype: most call sites send one class. */
  private lastPrototype: object | undefined = undefined;
  private lastRoute: Route | undefined = undefined;

  /** Whether a handler is registered for exactly this class. */
  has(type: Type): boolean {
    return this.routesByType.has(type);
  }

  /** Every registered type with its handler and middleware chain, for introspection and docs. */
  registrations(): ReadonlyArray<Registration> {
    return [...this.routesByType.values()].map((route) => ({
      messageType: route.messageType,
      messageName: route.messageName,
      handler: route.handlerName,
      middleware: this.chainNames(route),
    }));
  }

  protected routes(): Iterable<Route> {
    return this.routesByType.values();
  }

  protected removeAllRoutes(): void {
    this.routesByType.clear();
    this.forgetLastRoute();
  }

  /** Registers a handler; returns a function that unregisters it. */
  protected addRoute(type: Type, handler: unknown, options: RegisterOptions | undefined): () => void {
    const route = this.newRoute(type, handler, 'execute' satisfies HandlerMethod, options);
    const existing = this.routesByType.get(route.messageType);
    if (existing) throw new DuplicateHandlerError(route.messageType, existing.handlerName, route.handlerName);
    this.routesByType.set(route.messageType, route);
    this.claimName(route);
    return () => {
      if (this.routesByType.get(route.messageType) !== route) return;
      this.routesByType.delete(route.messageType);
      this.releaseName(route);
      this.forgetLastRoute();
    };
  }

  /** Open: a message becomes its route, the message itself and a context. */
  protected openMessage(message: unknown, options: DispatchOptions | undefined): OpenedDispatch {
    const route = this.routeOf(message);
    return { route, message: message as object, context: this.contextFor(route, options) };
  }

  /**
   * Open: an untrusted envelope is checked and becomes the route of the class registered under its
   * name, a rebuilt message and a context that continues the sender's (SPEC §10).
   */
  protected openEnvelope(envelope: unknown, options: DispatchOptions | undefined): OpenedDispatch {
    const opened = openEnvelope(this.kind, envelope, (name) => this.routeNamed(name), options);
    const route = opened.target;
    return {
      route,
      message: opened.message,
      context: new ContinuedContext(route, opened.options, opened.origin),
    };
  }

  private routeNamed(name: string): Route | undefined {
    const type = this.typeNamed(name);
    return type === undefined ? undefined : this.routesByType.get(type);
  }

  private routeOf(message: unknown): Route {
    if (typeof message === 'object' && message !== null) {
      let prototype: object | null;
      let route: Route | undefined;
      try {
        prototype = Object.getPrototypeOf(message);
        if (prototype === this.lastPrototype) return this.lastRoute!;
        route = prototype === null ? undefined : this.routesByType.get(prototype.constructor);
      } catch (error) {
        throw unreadable(error);
      }
      // The class must own the prototype: `constructor` alone can be copied onto any object.
      if (route !== undefined && route.prototype === prototype) {
        this.lastPrototype = prototype;
        this.lastRoute = route;
        return route;
      }
    }
    throw unroutable(this.kind, message);
  }

  private forgetLastRoute(): void {
    this.lastPrototype = undefined;
    this.lastRoute = undefined;
  }
}
