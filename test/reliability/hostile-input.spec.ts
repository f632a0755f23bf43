import { runInNewContext } from 'node:vm';
import {
  CommandBus,
  CqrsError,
  HandlerNotFoundError,
  InFlightTracker,
  InvalidHandlerError,
  InvalidMessageError,
  MiddlewareResolutionError,
  QueryBus,
} from '../../lib/core/index.js';

/*
 * Every kind of value a caller can pass, well-meaning or not. Each must end as the documented
 * error (a rejected promise for dispatch/ask, a synchronous throw for register, B1/B2/B6), must
 * never reach a handler it does not belong to, and must leave the bus working.
 */

class Registered {
  constructor(readonly n = 1) {}
}
class Unregistered {}

const boom = (): never => {
  throw new Error('trap');
};
const throwingTraps: ProxyHandler<object> = {
  get: boom,
  getPrototypeOf: boom,
  has: boom,
  ownKeys: boom,
  getOwnPropertyDescriptor: boom,
};
const revoked = (() => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
})();
// An ES5-style subclass that forgot to set its own constructor: its prototype's constructor says Registered.
function Es5Sub(this: object) {}
Es5Sub.prototype = Object.create(Registered.prototype);

type Expected = typeof InvalidMessageError | typeof HandlerNotFoundError;

/** Values that are not messages of a registered class, with the error each must give (SPEC B6). */
const notMessages: [string, () => unknown, Expected][] = [
  ['undefined', () => undefined, InvalidMessageError],
  ['null', () => null, InvalidMessageError],
  ['a number', () => 42, InvalidMessageError],
  ['NaN', () => NaN, InvalidMessageError],
  ['a string', () => 'CreateUser', InvalidMessageError],
  ['a boolean', () => true, InvalidMessageError],
  ['a bigint', () => 10n, InvalidMessageError],
  ['a symbol', () => Symbol('message'), InvalidMessageError],
  ['a plain object', () => ({ n: 1 }), InvalidMessageError],
  ['Object.create(null)', () => Object.create(null), InvalidMessageError],
  ['a frozen plain object', () => Object.freeze({ n: 1 }), InvalidMessageError],
  ['a sealed plain object', () => Object.seal({ n: 1 }), InvalidMessageError],
  [
    'a plain object whose own constructor is the class',
    () => ({ constructor: Registered }),
    InvalidMessageError,
  ],
  [
    'an object whose prototype merely claims the class',
    () => Object.create({ constructor: Registered }),
    InvalidMessageError,
  ],
  [
    'an instance of an ES5 subclass without its own constructor',
    () => new (Es5Sub as any)(),
    InvalidMessageError,
  ],
  ['an empty array', () => [], InvalidMessageError],
  ['an array holding a message', () => [new Registered()], InvalidMessageError],
  ['an arrow function', () => () => undefined, InvalidMessageError],
  ['the message class itself', () => Registered, InvalidMessageError],
  ['a Proxy whose traps throw', () => new Proxy({}, throwingTraps), InvalidMessageError],
  [
    'a Proxy whose prototype is a Proxy whose traps throw',
    () => new Proxy({}, { getPrototypeOf: () => new Proxy({}, throwingTraps) }),
    InvalidMessageError,
  ],
  ['a revoked Proxy', () => revoked, InvalidMessageError],
  ['a Proxy function whose traps throw', () => new Proxy(function () {}, throwingTraps), InvalidMessageError],
  ['a cross-realm plain object', () => runInNewContext('({ n: 1 })'), InvalidMessageError],
  ['a cross-realm array', () => runInNewContext('[1]'), InvalidMessageError],
  ['a cross-realm Object.create(null)', () => runInNewContext('Object.create(null)'), InvalidMessageError],
  ['a cross-realm function', () => runInNewContext('(function f() {})'), InvalidMessageError],
  ['an instance of an unregistered class', () => new Unregistered(), HandlerNotFoundError],
  [
    'a frozen instance of an unregistered class',
    () => Object.freeze(new Unregistered()),
    HandlerNotFoundError,
  ],
  [
    'an unregistered instance whose own constructor is the registered class',
    () => Object.assign(new Unregistered(), { constructor: Registered }),
    HandlerNotFoundError,
  ],
  [
    'an instance of a cross-realm class',
    () => runInNewContext('new (class Foreign {})()'),
    HandlerNotFoundError,
  ],
  ['a Date', () => new Date(), HandlerNotFoundError],
  ['a Map', () => new Map(), HandlerNotFoundError],
  ['a boxed string', () => new String('x'), HandlerNotFoundError],
  ['a promise', () => Promise.resolve(new Registered()), HandlerNotFoundError],
];

/** Values that are messages of the registered class, however odd: they must reach its handler. */
const oddMessages: [string, () => object][] = [
  ['a frozen instance', () => Object.freeze(new Registered(2))],
  ['a sealed instance', () => Object.seal(new Registered(2))],
  [
    'an instance with its own constructor property',
    () => Object.assign(new Registered(2), { constructor: Unregistered }),
  ],
  ['Object.create(Class.prototype)', () => Object.create(Registered.prototype)],
  [
    "an instance made in another realm with this realm's class",
    () => runInNewContext('new C(2)', { C: Registered }),
  ],
  ['a Proxy of an instance whose get trap throws', () => new Proxy(new Registered(2), { get: boom })],
];

function buses(tracked: boolean) {
  const inFlight = tracked ? new InFlightTracker() : undefined;
  const received: unknown[] = [];
  const commands = new CommandBus({ inFlight, middleware: [(_m, next) => next()] });
  commands.register(Registered, (message) => void received.push(message));
  const queries = new QueryBus({ inFlight });
  queries.register(Registered, (message) => {
    received.push(message);
    return 'answer';
  });
  return { inFlight, received, commands, queries };
}

/** Calls `send` and checks it returned a promise instead of throwing (B2). */
function call(send: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown> | undefined;
  expect(() => (promise = send())).not.toThrow();
  expect(promise).toBeInstanceOf(Promise);
  return promise!;
}

describe.each([false, true])('hostile input (in-flight tracking %s)', (tracked) => {
  it.each(notMessages)(
    'B2, B6: dispatch/ask of %s reject with the documented error and the bus keeps working',
    async (_name, make, expected) => {
      const { inFlight, received, commands, queries } = buses(tracked);
      const command = call(() => commands.dispatch(make() as object));
      const query = call(() => queries.ask(make() as object));

      for (const outcome of [command, query]) {
        const error = await outcome.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(expected);
        expect(error).toBeInstanceOf(CqrsError);
        expect((error as CqrsError).code).toBe(
          expected === InvalidMessageError ? 'CQRS_INVALID_MESSAGE' : 'CQRS_HANDLER_NOT_FOUND',
        );
      }
      expect(received).toEqual([]);
      // The bus still works, and counted nothing that is still running.
      await commands.dispatch(new Registered());
      await expect(queries.ask(new Registered())).resolves.toBe('answer');
      expect(received).toHaveLength(2);
      if (inFlight) expect(inFlight.count).toBe(0);
    },
  );

  it.each(oddMessages)('§2: %s is a message of its class and reaches its handler', async (_name, make) => {
    const { inFlight, received, commands, queries } = buses(tracked);
    const message = make();
    await call(() => commands.dispatch(message));
    await expect(call(() => queries.ask(message))).resolves.toBe('answer');
    // By identity: Jest's equality would read the hostile Proxy's properties.
    expect(received.length === 2 && received.every((m) => m === message)).toBe(true);
    if (inFlight) expect(inFlight.count).toBe(0);
  });

  it('B2: hostile dispatch options reject or are ignored, never thrown, and the bus keeps working', async () => {
    const { inFlight, commands, queries, received } = buses(tracked);
    await expect(call(() => commands.dispatch(new Registered(), null as never))).resolves.toBeUndefined();
    await expect(call(() => queries.ask(new Registered(), null as never))).resolves.toBe('answer');
    const hostile = new Proxy({}, throwingTraps) as never;
    await expect(call(() => commands.dispatch(new Registered(), hostile))).rejects.toThrow('trap');
    await expect(call(() => queries.ask(new Registered(), hostile))).rejects.toThrow('trap');
    const headers = { headers: new Proxy({}, throwingTraps) } as never;
    await expect(call(() => commands.dispatch(new Registered(), headers))).rejects.toThrow('trap');
    await commands.dispatch(new Registered());
    expect(received).toHaveLength(3);
    if (inFlight) expect(inFlight.count).toBe(0);
  });

  it('B5: a handler result whose then cannot be read rejects with what reading it threw', async () => {
    const inFlight = tracked ? new InFlightTracker() : undefined;
    const queries = new QueryBus({ inFlight });
    const commands = new CommandBus({ inFlight });
    const hostileResult = new Proxy({}, throwingTraps);
    queries.register(Registered, () => hostileResult);
    commands.register(Registered, () => hostileResult);
    await expect(call(() => queries.ask(new Registered()))).rejects.toThrow('trap');
    await expect(call(() => commands.dispatch(new Registered()))).rejects.toThrow('trap');
    if (inFlight) expect(inFlight.count).toBe(0);
  });
});

/** Values that are not a message class, or not a handler (SPEC B1). */
const notTypes: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['a number', () => 1],
  ['a string', () => 'Registered'],
  ['a plain object', () => ({})],
  ['an array', () => []],
  ['an arrow function', () => () => undefined],
  ['an async function', () => async () => undefined],
  ['a bound function', () => function () {}.bind(null)],
  ['Object', () => Object],
  ['an ES5 subclass without its own constructor', () => Es5Sub],
  ['a Proxy class whose traps throw', () => new Proxy(class Trapped {}, throwingTraps)],
  ['a revoked Proxy', () => revoked],
];
const notHandlers: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['a number', () => 1],
  ['a string', () => 'handler'],
  ['a plain object without execute', () => ({})],
  ['an object whose execute is not a function', () => ({ execute: 1 })],
  ['an array', () => []],
  ['a class (not an instance)', () => class Handler {}],
  ['a Proxy whose traps throw', () => new Proxy({}, throwingTraps)],
  ['a revoked Proxy', () => revoked],
];

describe('hostile registrations', () => {
  function expectUnchanged(bus: CommandBus | QueryBus) {
    expect(bus.registrations().map((r) => r.messageType)).toEqual([Registered]);
  }

  it.each(notTypes)(
    'B1: registering %s as a message type throws InvalidHandlerError and changes nothing',
    async (_name, make) => {
      for (const bus of [new CommandBus(), new QueryBus()]) {
        bus.register(Registered, () => 'ok');
        expect(() => bus.register(make() as never, () => undefined)).toThrow(InvalidHandlerError);
        expectUnchanged(bus);
      }
    },
  );

  it.each(notHandlers)(
    'B1: registering %s as a handler throws InvalidHandlerError and changes nothing',
    async (_name, make) => {
      for (const bus of [new CommandBus(), new QueryBus()]) {
        bus.register(Registered, () => 'ok');
        expect(() => bus.register(Unregistered, make() as never)).toThrow(InvalidHandlerError);
        expect(bus.has(Unregistered)).toBe(false);
        expectUnchanged(bus);
      }
    },
  );

  it.each([
    ['a number', 5],
    ['a string', 'mw'],
    ['a list holding a number', [1]],
    ['a list holding null', [null]],
    ['a list holding an object without handle()', [{}]],
  ])(
    'B1: registration middleware that is %s throws MiddlewareResolutionError and changes nothing',
    (_name, middleware) => {
      const bus = new CommandBus();
      bus.register(Registered, () => undefined);
      expect(() => bus.register(Unregistered, () => undefined, { middleware } as never)).toThrow(
        MiddlewareResolutionError,
      );
      expect(bus.has(Unregistered)).toBe(false);
      expectUnchanged(bus);
    },
  );

  it('B1: hostile register options (a Proxy whose traps throw) throw InvalidHandlerError', () => {
    const bus = new QueryBus();
    expect(() => bus.register(Unregistered, () => 1, new Proxy({}, throwingTraps) as never)).toThrow(
      InvalidHandlerError,
    );
    expect(bus.has(Unregistered)).toBe(false);
  });

  it('a cross-realm class can be registered and its instances routed', async () => {
    const Foreign = runInNewContext('(class Foreign { constructor() { this.n = 3 } })');
    const bus = new QueryBus();
    bus.register(Foreign, (message: { n: number }) => message.n);
    await expect(bus.ask(new Foreign())).resolves.toBe(3);
    await expect(bus.ask(runInNewContext('new F()', { F: Foreign }))).resolves.toBe(3);
  });
});
