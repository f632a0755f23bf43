import { Inject, Injectable, Module, Scope, type INestApplication } from '@nestjs/common';
import { REQUEST, createContextId } from '@nestjs/core';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  Query,
  QueryBus,
  QueryHandler,
  UseMiddleware,
  type MessageContext,
  type Next,
} from '../../lib/index.js';
import { createApp } from './test-app.js';

/** The handler instance that served each dispatch, in order. */
const served: object[] = [];
let constructed = 0;

class Tick {}
class Tock {}
class Tack {}
class WhoAmI extends Query<string> {}
class Implicit {}

@CommandHandler(Tick)
class SingletonTickHandler {
  constructor() {
    constructed++;
  }

  execute() {
    served.push(this);
  }
}

@CommandHandler(Tock, { scope: Scope.REQUEST })
class RequestTockHandler {
  constructor() {
    constructed++;
  }

  execute() {
    served.push(this);
  }
}

@CommandHandler(Tack, { scope: Scope.TRANSIENT })
class TransientTackHandler {
  constructor() {
    constructed++;
  }

  execute() {
    served.push(this);
  }
}

@QueryHandler(WhoAmI, { scope: Scope.REQUEST })
class WhoAmIHandler {
  constructor(@Inject(REQUEST) private readonly request: { user?: string } | undefined) {}

  execute() {
    served.push(this);
    return this.request?.user ?? 'nobody';
  }
}

/** A request-scoped dependency makes a handler declared without a scope request-scoped too. */
@Injectable({ scope: Scope.REQUEST })
class PerRequestCounter {
  count = 0;
}

@CommandHandler(Implicit)
class ImplicitlyScopedHandler {
  constructor(private readonly counter: PerRequestCounter) {}

  execute() {
    this.counter.count++;
    served.push(this);
  }
}

@Module({
  providers: [
    SingletonTickHandler,
    RequestTockHandler,
    TransientTackHandler,
    WhoAmIHandler,
    PerRequestCounter,
    ImplicitlyScopedHandler,
  ],
})
class ScopedModule {}

let app: INestApplication;

beforeAll(async () => {
  app = await createApp({ imports: [CqrsLiteModule.forRoot(), ScopedModule] });
});

afterAll(() => app.close());

beforeEach(() => {
  served.length = 0;
  constructed = 0;
});

describe('singleton handlers', () => {
  it('N6: a singleton handler is resolved once: every dispatch uses the DI instance', async () => {
    const bus = app.get(CommandBus);
    await bus.dispatch(new Tick());
    await bus.dispatch(new Tick());
    await bus.dispatch(new Tick(), { contextId: createContextId() });

    expect(constructed).toBe(0);
    expect(served).toHaveLength(3);
    expect(new Set(served).size).toBe(1);
    expect(served[0]).toBe(app.get(SingletonTickHandler, { strict: false }));
  });
});

describe('request-scoped handlers', () => {
  it('N6: a request-scoped handler gets a fresh instance per dispatch', async () => {
    const bus = app.get(CommandBus);
    await bus.dispatch(new Tock());
    await bus.dispatch(new Tock());
    await bus.dispatch(new Tock());

    expect(constructed).toBe(3);
    expect(served.every((s) => s instanceof RequestTockHandler)).toBe(true);
    expect(new Set(served).size).toBe(3);
  });

  it('N6: with options.contextId, a request-scoped handler is the instance of that context', async () => {
    const bus = app.get(CommandBus);
    const first = createContextId();
    const second = createContextId();
    await bus.dispatch(new Tock(), { contextId: first });
    await bus.dispatch(new Tock(), { contextId: first });
    await bus.dispatch(new Tock(), { contextId: second });

    expect(served[0]).toBe(served[1]);
    expect(served[2]).not.toBe(served[0]);
    expect(constructed).toBe(2);
    // The very instance Nest holds for that context.
    expect(served[0]).toBe(await app.resolve(RequestTockHandler, first, { strict: false }));
  });

  it('N6: a request-scoped handler sees the request registered for its contextId', async () => {
    const contextId = createContextId();
    app.registerRequestByContextId({ user: 'ann' }, contextId);
    const bus = app.get(QueryBus);

    await expect(bus.ask(new WhoAmI(), { contextId })).resolves.toBe('ann');
    await expect(bus.ask(new WhoAmI(), { contextId })).resolves.toBe('ann');
    expect(served[0]).toBe(served[1]);
  });

  it('N6: a handler depending on a request-scoped provider is resolved per dispatch', async () => {
    const bus = app.get(CommandBus);
    await bus.dispatch(new Implicit());
    await bus.dispatch(new Implicit());
    const contextId = createContextId();
    await bus.dispatch(new Implicit(), { contextId });
    await bus.dispatch(new Implicit(), { contextId });

    expect(served[0]).not.toBe(served[1]);
    expect(served[2]).toBe(served[3]);
    const counter = await app.resolve(PerRequestCounter, contextId, { strict: false });
    expect(counter.count).toBe(2);
  });

  it('N6: concurrent dispatches of a request-scoped handler do not share an instance', async () => {
    const bus = app.get(CommandBus);
    await Promise.all(Array.from({ length: 20 }, () => bus.dispatch(new Tock())));

    expect(served).toHaveLength(20);
    expect(new Set(served).size).toBe(20);
  });
  it('N6: a useExisting alias of a request-scoped handler is not registered a second time', async () => {
    const local = await createApp({
      imports: [CqrsLiteModule.forRoot()],
      providers: [RequestTockHandler, { provide: 'TOCK_ALIAS', useExisting: RequestTockHandler }],
    });
    try {
      expect(local.get(CommandBus).registrations()).toHaveLength(1);
      await local.get(CommandBus).dispatch(new Tock());
      expect(served).toHaveLength(1);
    } finally {
      await local.close();
    }
  });
});

describe('transient handlers', () => {
  it('N6: a transient handler gets a fresh instance per dispatch', async () => {
    const bus = app.get(CommandBus);
    await bus.dispatch(new Tack());
    await bus.dispatch(new Tack());

    expect(served).toHaveLength(2);
    expect(served[0]).toBeInstanceOf(TransientTackHandler);
    expect(served[0]).not.toBe(served[1]);
  });

  it('N6: with options.contextId, a transient handler is the instance of that context', async () => {
    const bus = app.get(CommandBus);
    const contextId = createContextId();
    await bus.dispatch(new Tack(), { contextId });
    await bus.dispatch(new Tack(), { contextId });
    await bus.dispatch(new Tack(), { contextId: createContextId() });

    expect(served[0]).toBe(served[1]);
    expect(served[2]).not.toBe(served[0]);
  });
});

describe('scoped handlers and the message context', () => {
  it('C1: the middleware and a request-scoped handler see the same context object', async () => {
    class Audit {}
    const contexts: MessageContext[] = [];
    function capture(_message: object, next: Next, context: MessageContext) {
      contexts.push(context);
      return next();
    }
    @CommandHandler(Audit, { scope: Scope.REQUEST })
    @UseMiddleware(capture)
    class AuditHandler {
      execute(_command: Audit, context: MessageContext) {
        contexts.push(context);
      }
    }
    const local = await createApp({ imports: [CqrsLiteModule.forRoot()], providers: [AuditHandler] });
    try {
      await local.get(CommandBus).dispatch(new Audit(), { headers: { tenant: 't1' } });
    } finally {
      await local.close();
    }

    expect(contexts).toHaveLength(2);
    expect(contexts[1]).toBe(contexts[0]);
    expect(contexts[1]!.headers).toEqual({ tenant: 't1' });
    expect(contexts[1]!.messageType).toBe(Audit);
  });

  it('N6: registrations() names a request-scoped handler by its class', () => {
    const names = app
      .get(CommandBus)
      .registrations()
      .map((r) => r.handler);

    expect(names).toEqual(
      expect.arrayContaining(['RequestTockHandler', 'TransientTackHandler', 'ImplicitlyScopedHandler']),
    );
  });
});
