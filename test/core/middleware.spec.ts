import {
  CommandBus,
  InvalidMessageError,
  MiddlewareResolutionError,
  Query,
  QueryBus,
  type CqrsMiddleware,
  type MessageContext,
  type Middleware,
  type Next,
} from '../../lib/core/index.js';

class Greet extends Query<string> {
  constructor(readonly name: string) {
    super();
  }
}

function recorder(log: string[], name: string): Middleware {
  return async (message, next) => {
    log.push(`${name}:before`);
    const result = await next();
    log.push(`${name}:after`);
    return result;
  };
}

describe('middleware (SPEC §4)', () => {
  it('M1: runs bus middleware (constructor, then use()), then registration middleware, then the handler', async () => {
    const log: string[] = [];
    const bus = new QueryBus({ middleware: [recorder(log, 'ctor1'), recorder(log, 'ctor2')] });
    bus.use(recorder(log, 'use1'), recorder(log, 'use2'));
    bus.register(
      Greet,
      (q) => {
        log.push('handler');
        return `hi ${q.name}`;
      },
      { middleware: [recorder(log, 'own1'), recorder(log, 'own2')] },
    );
    await expect(bus.ask(new Greet('ann'))).resolves.toBe('hi ann');
    expect(log).toEqual([
      'ctor1:before',
      'ctor2:before',
      'use1:before',
      'use2:before',
      'own1:before',
      'own2:before',
      'handler',
      'own2:after',
      'own1:after',
      'use2:after',
      'use1:after',
      'ctor2:after',
      'ctor1:after',
    ]);
  });

  it('M1: middleware added with use() after registration applies to existing registrations', async () => {
    const log: string[] = [];
    const bus = new CommandBus();
    class Ping {}
    bus.register(Ping, () => void log.push('handler'));
    bus.use(recorder(log, 'late'));
    await bus.dispatch(new Ping());
    expect(log).toEqual(['late:before', 'handler', 'late:after']);
  });

  it('M1: accepts object middleware and calls handle() with this = the object', async () => {
    class Prefix implements CqrsMiddleware {
      constructor(private readonly prefix: string) {}
      async handle(message: object, next: Next) {
        return this.prefix + String(await next());
      }
    }
    const bus = new QueryBus({ middleware: [new Prefix('<'), new Prefix('[')] });
    bus.register(Greet, (q) => q.name);
    await expect(bus.ask(new Greet('x'))).resolves.toBe('<[x');
  });

  it('M2: the handler receives the modified or replacement message passed to next()', async () => {
    const bus = new QueryBus();
    bus.use((message, next) => next(new Greet((message as Greet).name.toUpperCase())));
    const received: Greet[] = [];
    bus.register(Greet, (q) => {
      received.push(q);
      return q.name;
    });
    await expect(bus.ask(new Greet('bob'))).resolves.toBe('BOB');
    expect(received[0]).toBeInstanceOf(Greet);
  });

  it('M2: next() without an argument passes the message this middleware received', async () => {
    const bus = new QueryBus();
    bus.use((message, next) => next(new Greet('replaced')));
    bus.use((message, next) => next());
    bus.register(Greet, (q) => q.name);
    await expect(bus.ask(new Greet('original'))).resolves.toBe('replaced');
  });

  it('M2: next() with a non-object rejects with InvalidMessageError and the handler does not run', async () => {
    const bus = new QueryBus();
    let ran = false;
    bus.use((message, next) => next(null as never));
    bus.register(Greet, () => {
      ran = true;
      return '';
    });
    await expect(bus.ask(new Greet('x'))).rejects.toBeInstanceOf(InvalidMessageError);
    expect(ran).toBe(false);
  });

  it('M2: a middleware may transform the result; for ask the outermost return value is the result', async () => {
    const bus = new QueryBus();
    bus.use(async (message, next) => `(${String(await next())})`);
    bus.use((message, next) => next().then((r) => `${String(r)}!`));
    bus.register(Greet, (q) => q.name);
    await expect(bus.ask(new Greet('x'))).resolves.toBe('(x!)');
  });

  it('M2: a middleware may short-circuit: the handler does not run and ask resolves to its value', async () => {
    const bus = new QueryBus();
    let ran = false;
    bus.use(() => 'cached');
    bus.register(Greet, () => {
      ran = true;
      return 'fresh';
    });
    await expect(bus.ask(new Greet('x'))).resolves.toBe('cached');
    expect(ran).toBe(false);
  });

  it('M2: calling next() more than once runs the rest of the chain again (retry)', async () => {
    const bus = new QueryBus();
    let attempts = 0;
    let innerCalls = 0;
    bus.use(async (message, next) => {
      for (;;) {
        try {
          return await next();
        } catch (error) {
          if (attempts >= 3) throw error;
        }
      }
    });
    bus.use((message, next) => {
      innerCalls++;
      return next();
    });
    bus.register(Greet, () => {
      attempts++;
      if (attempts < 3) throw new Error('flaky');
      return 'ok';
    });
    await expect(bus.ask(new Greet('x'))).resolves.toBe('ok');
    expect(attempts).toBe(3);
    expect(innerCalls).toBe(3);
  });

  it('M2: next() always returns a promise, even for a sync handler, and turns a sync throw into a rejection', async () => {
    const bus = new QueryBus();
    const seen: unknown[] = [];
    bus.use((message, next) => {
      const pending = next();
      seen.push(pending instanceof Promise);
      return pending.catch((e: Error) => `caught ${e.message}`);
    });
    bus.register(Greet, () => {
      throw new Error('sync');
    });
    await expect(bus.ask(new Greet('x'))).resolves.toBe('caught sync');
    expect(seen).toEqual([true]);
  });

  it('M2: synchronous middleware works and keeps the chain synchronous', () => {
    const bus = new CommandBus();
    const log: string[] = [];
    class Ping {}
    bus.use((message, next) => {
      log.push('sync middleware');
      return next();
    });
    bus.register(Ping, () => void log.push('handler'));
    void bus.dispatch(new Ping());
    expect(log).toEqual(['sync middleware', 'handler']);
  });

  it('M3: chains are composed when registrations or middleware change, not per dispatch', async () => {
    // A middleware object's handle() is looked up per call, but the list is fixed at composition:
    // pushing onto the array given to the constructor after the fact has no effect.
    const list: Middleware[] = [];
    const bus = new CommandBus({ middleware: list });
    const log: string[] = [];
    class Ping {}
    bus.register(Ping, () => void log.push('handler'));
    list.push(() => void log.push('sneaked in'));
    await bus.dispatch(new Ping());
    expect(log).toEqual(['handler']);
  });

  it('rejects a middleware that is neither a function nor has handle(), naming the problem', () => {
    expect(() => new CommandBus().use({} as never)).toThrow(MiddlewareResolutionError);
    expect(() => new QueryBus({ middleware: [42 as never] })).toThrow(/handle\(message, next, context\)/);
    class Ping {}
    expect(() => new CommandBus().register(Ping, () => undefined, { middleware: [null as never] })).toThrow(
      MiddlewareResolutionError,
    );
  });

  it('C1: every middleware and the handler of one dispatch see the same context object', async () => {
    const seen: MessageContext[] = [];
    const bus = new QueryBus();
    bus.use((m, next, context) => {
      seen.push(context);
      return next();
    });
    bus.register(
      Greet,
      (q, context) => {
        seen.push(context);
        return context.items.get('from middleware') as string;
      },
      {
        middleware: [
          (m, next, context) => {
            seen.push(context);
            context.items.set('from middleware', 'shared');
            return next();
          },
        ],
      },
    );
    await expect(bus.ask(new Greet('x'))).resolves.toBe('shared');
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
  });
});
