import { handlerContextStorage } from './context-propagation.js';
import { CqrsError, InvalidHandlerError, MiddlewareResolutionError, type MessageKind } from './errors.js';
import type { DispatchContext, MessageRoute } from './message-context.js';
import { getMessageMetadata, type Type } from './messages.js';
import { assertMiddleware, composeChain, type Invoker, type Middleware } from './middleware.js';
import { describeError, nameOf } from './names.js';
import { handlerResult } from './results.js';

/** The method a handler object is called through: `execute` for commands and queries, `handle` for events. */
export type HandlerMethod = 'execute' | 'handle';

/** Options of one registration or subscription. */
export interface RegisterOptions {
  /** Middleware for this message type only; runs after the bus's middleware. */
  middleware?: Middleware[];
}

/**
 * One handler of one message type on a bus, with its composed middleware chain: what a dispatch
 * is routed to. Built once per registration; the chain is recomposed only when middleware changes.
 */
export class Route implements MessageRoute {
  /** The whole chain (bus middleware, own middleware, handler), composed by `compose()`. */
  invoke: Invoker;
  /** The prototype of the message class, captured once: instances are matched against it. */
  readonly prototype: object;
  /** Nothing in the chain can observe a context (SPEC §5 C3); set by `compose()`. */
  private contextFree = false;
  /** The function called for a message: the handler itself, or its method as registered. */
  private readonly callee: Function;

  constructor(
    readonly kind: MessageKind,
    readonly messageType: Type,
    readonly messageName: string,
    readonly messageVersion: number,
    /** The handler as registered (a function or an object): its identity. */
    readonly handler: object,
    readonly handlerName: string,
    readonly ownMiddleware: readonly Middleware[],
    private readonly method: HandlerMethod,
    private readonly terminal: Invoker,
  ) {
    this.prototype = messageType.prototype as object;
    this.invoke = terminal;
    this.callee = typeof handler === 'function' ? handler : (handler as Record<string, Function>)[method]!;
  }

  /**
   * Composes the chain: the bus's middleware, then this route's own, then the handler. With no
   * middleware, no propagation and a handler that declares fewer than two parameters, nothing can
   * observe a context, so dispatches may skip building one (C3).
   */
  compose(busMiddleware: readonly Middleware[], propagateContext: boolean): void {
    const chain = busMiddleware.length === 0 ? this.ownMiddleware : [...busMiddleware, ...this.ownMiddleware];
    this.invoke = composeChain(chain, this.terminal);
    this.contextFree = chain.length === 0 && !propagateContext && this.callee.length < 2;
  }

  /**
   * Whether a dispatch may pass no context. A handler object whose method was replaced since
   * registration (a test spy, say) gets one again.
   */
  canSkipContext(): boolean {
    return (
      this.contextFree &&
      (typeof this.handler === 'function' ||
        (this.handler as Record<string, unknown>)[this.method] === this.callee)
    );
  }
}

/**
 * Checks what `register()` / `subscribe()` was given (B1) and builds its route, uncomposed.
 * Throws `InvalidHandlerError` or `MiddlewareResolutionError`, whatever the arguments do.
 */
export function createRoute(
  kind: MessageKind,
  type: Type,
  handler: unknown,
  method: HandlerMethod,
  options: RegisterOptions | undefined,
  propagateContext: boolean,
): Route {
  try {
    assertMessageClass(kind, type);
    const call = handlerCall(kind, type, handler, method);
    const terminal: Invoker = propagateContext ? withPropagation(call) : call;
    const middleware = options?.middleware ?? [];
    if (!Array.isArray(middleware)) {
      throw new MiddlewareResolutionError(middleware, 'the middleware option must be an array');
    }
    const ownMiddleware = [...middleware];
    assertMiddleware(ownMiddleware);
    const { name, version } = getMessageMetadata(type);
    return new Route(
      kind,
      type,
      name,
      version,
      handler as object,
      nameOf(handler),
      ownMiddleware,
      method,
      terminal,
    );
  } catch (error) {
    if (error instanceof CqrsError) throw error;
    // A hostile argument (a throwing getter or Proxy trap) still ends as the documented error.
    throw new InvalidHandlerError(
      `Cannot register a ${kind} handler: reading the message type, handler or options threw (${describeError(error)}).`,
      { cause: error },
    );
  }
}

function assertMessageClass(kind: MessageKind, type: Type): void {
  if (
    typeof type !== 'function' ||
    typeof type.prototype !== 'object' ||
    type.prototype === null ||
    type === Object ||
    // Messages are routed by their prototype: a class that is not its own prototype's
    // constructor could never be reached.
    type.prototype.constructor !== type
  ) {
    throw new InvalidHandlerError(
      `Cannot register a ${kind} handler for ${nameOf(type)}: the message type must be a class of your own.`,
    );
  }
}

/** The terminal step of a chain: calls the handler and turns an Observable result into a promise. */
function handlerCall(kind: MessageKind, type: Type, handler: unknown, method: HandlerMethod): Invoker {
  if (typeof handler === 'function') {
    if (isClass(handler)) {
      throw new InvalidHandlerError(
        `The ${kind} handler for ${nameOf(type)} is the class ${nameOf(handler)}; register an instance of it (new ${nameOf(handler)}(...)) or a function.`,
      );
    }
    return (message, context) => handlerResult(handler(message, context));
  }
  if (typeof handler === 'object' && handler !== null && typeof (handler as any)[method] === 'function') {
    const target = handler as Record<HandlerMethod, (message: object, context: DispatchContext) => unknown>;
    return method === 'execute'
      ? (message, context) => handlerResult(target.execute(message, context))
      : (message, context) => handlerResult(target.handle(message, context));
  }
  throw new InvalidHandlerError(
    `The ${kind} handler for ${nameOf(type)} must be a function or an object with a ${method}() method, got ${nameOf(handler)}.`,
  );
}

/**
 * Whether a function is a class. A class's `prototype` property is read-only, an ordinary
 * function's is writable, and arrow functions and methods have none.
 */
function isClass(fn: Function): boolean {
  return Object.getOwnPropertyDescriptor(fn, 'prototype')?.writable === false;
}

/** Runs the handler with its context as the current one, for automatic causation (C2). */
function withPropagation(call: Invoker): Invoker {
  const storage = handlerContextStorage();
  return (message, context) => storage.run(context, call, message, context);
}
