import { of, EMPTY, throwError } from 'rxjs';
import {
  Command,
  CommandBus,
  DuplicateHandlerError,
  HandlerNotFoundError,
  InvalidHandlerError,
  InvalidMessageError,
  Query,
  QueryBus,
  type ICommandHandler,
  type IQueryHandler,
  type MessageContext,
} from '../../lib/core/index.js';

class CreateUser extends Command {
  constructor(readonly userId = 'u1') {
    super();
  }
}
class GetUserName extends Query<string> {
  constructor(readonly userId = 'u1') {
    super();
  }
}

describe('messages (SPEC §2)', () => {
  it('routes by the exact class: a subclass instance does not reach the base class handler', async () => {
    class AdminCreateUser extends CreateUser {}
    const bus = new CommandBus();
    const handled: object[] = [];
    bus.register(CreateUser, (c) => void handled.push(c));
    await expect(bus.dispatch(new AdminCreateUser())).rejects.toBeInstanceOf(HandlerNotFoundError);
    expect(handled).toEqual([]);
  });

  it('accepts any class instance, not only subclasses of Command/Query', async () => {
    class Plain {
      constructor(readonly n: number) {}
    }
    const bus = new QueryBus();
    bus.register(Plain, (q) => q.n * 2);
    await expect(bus.ask(new Plain(21))).resolves.toBe(42);
  });
});

describe('register (SPEC §3 B1)', () => {
  it('B1: throws DuplicateHandlerError synchronously for a second handler, naming both', () => {
    const bus = new CommandBus();
    bus.register(CreateUser, function firstHandler() {});
    let error: unknown;
    try {
      bus.register(CreateUser, function secondHandler() {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DuplicateHandlerError);
    expect((error as DuplicateHandlerError).code).toBe('CQRS_DUPLICATE_HANDLER');
    expect((error as Error).message).toMatch(/CreateUser/);
    expect((error as Error).message).toMatch(/firstHandler/);
    expect((error as Error).message).toMatch(/secondHandler/);
  });

  it('B1: throws InvalidHandlerError for a handler that is neither a function nor has execute()', () => {
    const bus = new QueryBus();
    for (const bad of [null, undefined, 42, 'handler', {}, { execute: 'no' }]) {
      expect(() => bus.register(GetUserName, bad as never)).toThrow(InvalidHandlerError);
    }
  });

  it('B1: throws InvalidHandlerError when the type is not a class', () => {
    const bus = new CommandBus();
    for (const bad of [null, 'CreateUser', {}, () => undefined, Symbol('x')]) {
      expect(() => bus.register(bad as never, () => undefined)).toThrow(InvalidHandlerError);
    }
  });

  it('B1: refuses Object as a message type, so plain objects can never be routed', () => {
    expect(() => new CommandBus().register(Object as never, () => undefined)).toThrow(InvalidHandlerError);
  });

  it('B1: rejects a handler class passed where an instance is expected, saying so', () => {
    class CreateUserHandler implements ICommandHandler<CreateUser> {
      execute() {}
    }
    const bus = new CommandBus();
    expect(() => bus.register(CreateUser, CreateUserHandler as never)).toThrow(/register an instance/);
  });

  it('B1: the same type may have a handler on each of two buses', () => {
    new CommandBus().register(CreateUser, () => undefined);
    expect(() => new CommandBus().register(CreateUser, () => undefined)).not.toThrow();
  });

  it('has() tells whether exactly this class has a handler', () => {
    const bus = new CommandBus();
    expect(bus.has(CreateUser)).toBe(false);
    bus.register(CreateUser, () => undefined);
    expect(bus.has(CreateUser)).toBe(true);
  });
});

describe('dispatch and ask (SPEC §3 B2–B9)', () => {
  it('B2: dispatch never throws synchronously, whatever goes wrong', async () => {
    const bus = new CommandBus();
    bus.register(CreateUser, () => {
      throw new Error('sync boom');
    });
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = bus.dispatch(new CreateUser());
    }).not.toThrow();
    await expect(promise).rejects.toThrow('sync boom');
    expect(() => void bus.dispatch(null as never).catch(() => undefined)).not.toThrow();
    expect(() => void bus.dispatch(new GetUserName()).catch(() => undefined)).not.toThrow();
  });

  it('B2: ask never throws synchronously, whatever goes wrong', async () => {
    const bus = new QueryBus();
    bus.use(() => {
      throw new Error('middleware boom');
    });
    bus.register(GetUserName, () => 'x');
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = bus.ask(new GetUserName());
    }).not.toThrow();
    await expect(promise).rejects.toThrow('middleware boom');
    expect(() => void bus.ask(undefined as never).catch(() => undefined)).not.toThrow();
  });

  it('B3: runs a sync handler before dispatch() returns', () => {
    const bus = new CommandBus();
    let ran = false;
    bus.register(CreateUser, () => {
      ran = true;
    });
    void bus.dispatch(new CreateUser());
    expect(ran).toBe(true);
  });

  it('B3: calls the outermost middleware synchronously, and a sync chain reaches the handler before returning', () => {
    const bus = new QueryBus();
    const calls: string[] = [];
    bus.use((m, next) => {
      calls.push('outer');
      return next();
    });
    bus.use((m, next) => {
      calls.push('inner');
      return next();
    });
    bus.register(GetUserName, () => {
      calls.push('handler');
      return 'x';
    });
    void bus.ask(new GetUserName());
    expect(calls).toEqual(['outer', 'inner', 'handler']);
  });

  it('B4: dispatch resolves to undefined whatever the handler returns', async () => {
    const bus = new CommandBus();
    class A {}
    class B {}
    class C {}
    bus.register(A, () => 'a value');
    bus.register(B, async () => ({ some: 'thing' }));
    bus.register(C, () => of(1, 2, 3));
    await expect(bus.dispatch(new A())).resolves.toBeUndefined();
    await expect(bus.dispatch(new B())).resolves.toBeUndefined();
    await expect(bus.dispatch(new C())).resolves.toBeUndefined();
  });

  it('B4: dispatch waits for an async handler to finish', async () => {
    const bus = new CommandBus();
    let finished = false;
    bus.register(CreateUser, async () => {
      await new Promise((r) => setTimeout(r, 5));
      finished = true;
    });
    await bus.dispatch(new CreateUser());
    expect(finished).toBe(true);
  });

  it('B4: ask resolves to a sync result, an awaited promise, and the last value of an Observable', async () => {
    const bus = new QueryBus();
    class Sync {}
    class Async {}
    class Stream {}
    class Empty {}
    bus.register(Sync, () => 1);
    bus.register(Async, async () => 2);
    bus.register(Stream, () => of(1, 2, 3));
    bus.register(Empty, () => EMPTY);
    await expect(bus.ask(new Sync())).resolves.toBe(1);
    await expect(bus.ask(new Async())).resolves.toBe(2);
    await expect(bus.ask(new Stream())).resolves.toBe(3);
    await expect(bus.ask(new Empty())).resolves.toBeUndefined();
  });

  it('B4: a thenable that is not a native promise is awaited', async () => {
    const bus = new QueryBus();
    bus.register(
      GetUserName,
      // oxlint-disable-next-line unicorn/no-thenable -- a foreign thenable is the point of this test
      () => ({ then: (resolve: (v: string) => void) => resolve('thenable') }) as never,
    );
    await expect(bus.ask(new GetUserName())).resolves.toBe('thenable');
  });

  it('B5: errors thrown or rejected by a handler or middleware arrive unchanged (same object)', async () => {
    const thrown = new Error('thrown');
    const rejected = { not: 'even an Error' };
    const observed = new TypeError('from an observable');
    const fromMiddleware = new RangeError('middleware');
    const commands = new CommandBus();
    const queries = new QueryBus();
    class T {}
    class R {}
    class O {}
    class M {}
    commands.register(T, () => {
      throw thrown;
    });
    queries.register(R, () => Promise.reject(rejected));
    queries.register(O, () => throwError(() => observed));
    queries.register(M, () => 'never', {
      middleware: [
        async () => {
          throw fromMiddleware;
        },
      ],
    });
    await expect(commands.dispatch(new T())).rejects.toBe(thrown);
    await expect(queries.ask(new R())).rejects.toBe(rejected);
    await expect(queries.ask(new O())).rejects.toBe(observed);
    await expect(queries.ask(new M())).rejects.toBe(fromMiddleware);
  });

  it('B6: a type with no handler rejects with HandlerNotFoundError naming the class', async () => {
    const bus = new QueryBus();
    const error = await bus.ask(new GetUserName()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerNotFoundError);
    expect(error).toMatchObject({ code: 'CQRS_HANDLER_NOT_FOUND', kind: 'query', messageType: GetUserName });
    expect((error as Error).message).toMatch(/GetUserName/);
  });

  it('B6: null, undefined, primitives, plain objects and null-prototype objects reject with InvalidMessageError', async () => {
    const bus = new CommandBus();
    const bad: unknown[] = [
      null,
      undefined,
      1,
      'text',
      true,
      Symbol('s'),
      10n,
      {},
      { a: 1 },
      Object.create(null),
      [],
    ];
    for (const value of bad) {
      const error = await bus.dispatch(value as object).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect(error).toMatchObject({ code: 'CQRS_INVALID_MESSAGE' });
    }
  });

  it('B6: passing the class instead of an instance is an InvalidMessageError that says so', async () => {
    const bus = new CommandBus();
    bus.register(CreateUser, () => undefined);
    await expect(bus.dispatch(CreateUser as never)).rejects.toThrow(/pass an instance, not the class/);
  });

  it('B7: registrations and unregister() take effect for later dispatches', async () => {
    const bus = new QueryBus();
    await expect(bus.ask(new GetUserName())).rejects.toBeInstanceOf(HandlerNotFoundError);
    const unregister = bus.register(GetUserName, () => 'first');
    await expect(bus.ask(new GetUserName())).resolves.toBe('first');
    unregister();
    expect(bus.has(GetUserName)).toBe(false);
    await expect(bus.ask(new GetUserName())).rejects.toBeInstanceOf(HandlerNotFoundError);
    bus.register(GetUserName, () => 'second');
    unregister(); // a stale unregister must not remove the newer registration
    await expect(bus.ask(new GetUserName())).resolves.toBe('second');
  });

  it('B7: clear() removes every registration', async () => {
    const bus = new CommandBus();
    bus.register(CreateUser, () => undefined);
    bus.clear();
    expect(bus.has(CreateUser)).toBe(false);
    expect(bus.registrations()).toEqual([]);
    await expect(bus.dispatch(new CreateUser())).rejects.toBeInstanceOf(HandlerNotFoundError);
  });

  it('B8: calls a handler object as handler.execute(message, context) with this = handler', async () => {
    class Handler implements IQueryHandler<GetUserName> {
      readonly prefix = 'user-';
      seenContext: MessageContext | undefined;
      execute(query: GetUserName, context: MessageContext) {
        this.seenContext = context;
        return this.prefix + query.userId;
      }
    }
    const handler = new Handler();
    const bus = new QueryBus();
    bus.register(GetUserName, handler);
    await expect(bus.ask(new GetUserName('7'))).resolves.toBe('user-7');
    expect(handler.seenContext?.messageType).toBe(GetUserName);
  });

  it('B9: thousands of concurrent dispatches keep their own message, context and result', async () => {
    const bus = new QueryBus();
    class Echo {
      constructor(readonly n: number) {}
    }
    bus.use(async (message, next, context) => {
      context.items.set('n', (message as Echo).n);
      await new Promise((r) => setTimeout(r, (message as Echo).n % 7));
      return next();
    });
    bus.register(Echo, async (query, context) => {
      await new Promise((r) => setImmediate(r));
      return { n: query.n, fromItems: context.items.get('n'), correlationId: context.correlationId };
    });
    const results = await Promise.all(
      Array.from({ length: 5000 }, (_, n) => bus.ask(new Echo(n), { correlationId: `c-${n}` })),
    );
    results.forEach((result, n) => expect(result).toEqual({ n, fromItems: n, correlationId: `c-${n}` }));
  });
});
