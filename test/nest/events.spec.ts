import { jest } from '@jest/globals';
import { Inject, Injectable, Logger, Module, Scope, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import {
  BusShutDownError,
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  EventBus,
  EventHandlerError,
  EventsHandler,
  InvalidHandlerError,
  MessageValidationError,
  QueryBus,
  UseMiddleware,
  type CqrsMiddleware,
  type MessageContext,
  type Next,
} from '../../lib/index.js';
import { createApp, initError } from './test-app.js';

class OrderPlaced {
  constructor(readonly orderId = 'o-1') {}
}
class OrderCancelled {
  constructor(readonly orderId = 'o-1') {}
}

const TRAIL = Symbol('TRAIL');

@EventsHandler(OrderPlaced)
class ProjectionHandler {
  constructor(@Inject(TRAIL) private readonly trail: string[]) {}
  handle(event: OrderPlaced) {
    this.trail.push(`projection:${event.orderId}`);
  }
}

@Injectable()
class AuditMiddleware implements CqrsMiddleware {
  constructor(@Inject(TRAIL) private readonly trail: string[]) {}
  handle(message: object, next: Next) {
    this.trail.push('audit middleware');
    return next();
  }
}

@EventsHandler(OrderPlaced, OrderCancelled)
@UseMiddleware(AuditMiddleware)
class AuditHandler {
  constructor(@Inject(TRAIL) private readonly trail: string[]) {}
  async handle(event: OrderPlaced | OrderCancelled, context: MessageContext) {
    this.trail.push(`audit:${event.constructor.name}:${context.kind}`);
  }
}

const trailProvider = () => ({ provide: TRAIL, useValue: [] as string[] });

describe('events in Nest (SPEC §11 N8)', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('N8: EventBus is provided and exported; @EventsHandler classes are subscribed to each of their events, in discovery order', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ eventMiddleware: [(m, next) => next()] })],
      providers: [trailProvider(), ProjectionHandler, AuditHandler, AuditMiddleware],
    });
    const bus = app.get(EventBus);
    await bus.publish(new OrderPlaced('o-5'));
    await bus.publish(new OrderCancelled());
    expect(app.get<string[]>(TRAIL)).toEqual([
      'projection:o-5',
      'audit middleware',
      'audit:OrderPlaced:event',
      'audit middleware',
      'audit:OrderCancelled:event',
    ]);
    expect(bus.registrations()).toEqual([
      {
        messageType: OrderPlaced,
        messageName: 'OrderPlaced',
        handlers: [
          { handler: 'ProjectionHandler', middleware: ['anonymous'] },
          { handler: 'AuditHandler', middleware: ['anonymous', 'AuditMiddleware'] },
        ],
      },
      {
        messageType: OrderCancelled,
        messageName: 'OrderCancelled',
        handlers: [{ handler: 'AuditHandler', middleware: ['anonymous', 'AuditMiddleware'] }],
      },
    ]);
  });

  it('N8: the module middleware runs before eventMiddleware, then @UseMiddleware, then the handler', async () => {
    const order: string[] = [];
    @EventsHandler(OrderPlaced)
    @UseMiddleware((message: object, next: Next) => (order.push('own'), next()))
    class Handler {
      handle() {
        order.push('handler');
      }
    }
    app = await createApp({
      imports: [
        CqrsLiteModule.forRoot({
          middleware: [(m, next) => (order.push('shared'), next())],
          commandMiddleware: [(m, next) => (order.push('command only'), next())],
          eventMiddleware: [(m, next) => (order.push('event only'), next())],
        }),
      ],
      providers: [Handler],
    });
    await app.get(EventBus).publish(new OrderPlaced());
    expect(order).toEqual(['shared', 'event only', 'own', 'handler']);
  });

  it('N8: validation runs before each event handler', async () => {
    class UserRegistered {
      @IsString()
      email: unknown = 7;
    }
    const handle = jest.fn();
    @EventsHandler(UserRegistered)
    class Welcome {
      handle = handle;
    }
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onEventError: () => undefined })],
      providers: [Welcome],
    });
    const error = (await app
      .get(EventBus)
      .publish(new UserRegistered())
      .catch((e: unknown) => e)) as EventHandlerError;
    expect(error).toBeInstanceOf(EventHandlerError);
    expect(error.failures[0]!.error).toBeInstanceOf(MessageValidationError);
    expect(handle).not.toHaveBeenCalled();
  });

  it('N8: a decorated class without handle() fails init with InvalidHandlerError', async () => {
    class NoHandle {
      execute() {}
    }
    // The decorator's type already refuses such a class; plain JavaScript (or a cast) gets past it.
    EventsHandler(OrderPlaced)(NoHandle as never);
    const error = await initError({ imports: [CqrsLiteModule.forRoot()], providers: [NoHandle as never] });
    expect(error).toBeInstanceOf(InvalidHandlerError);
    expect((error as Error).message).toMatch(
      /NoHandle is decorated with @EventsHandler\(OrderPlaced\) but has no handle\(\)/,
    );
  });

  it('N8: request-scoped event handlers get a fresh instance per publish', async () => {
    const instances = new Set<unknown>();
    @EventsHandler(OrderPlaced, { scope: Scope.REQUEST })
    class Scoped {
      handle() {
        instances.add(this);
      }
    }
    app = await createApp({ imports: [CqrsLiteModule.forRoot()], providers: [Scoped] });
    await app.get(EventBus).publish(new OrderPlaced());
    await app.get(EventBus).publish(new OrderPlaced());
    expect(instances.size).toBe(2);
  });

  it('N8: importing the module bare works with the default options (not global)', async () => {
    @Module({ imports: [CqrsLiteModule], providers: [trailProvider(), ProjectionHandler], exports: [TRAIL] })
    class OrdersModule {}
    app = await createApp({ imports: [OrdersModule] });
    const bus = app.get(EventBus);
    await bus.publish(new OrderPlaced('bare'));
    expect(app.get<string[]>(TRAIL)).toEqual(['projection:bare']);
    expect(app.get(CommandBus)).toBeInstanceOf(CommandBus);
    expect(app.get(QueryBus)).toBeInstanceOf(QueryBus);
  });

  it('E4b (module): an unawaited failing publish is logged through Nest’s Logger naming the event and handler, never lost', async () => {
    const logged: string[] = [];
    @EventsHandler(OrderPlaced)
    class FailingProjection {
      async handle() {
        throw new Error('read model down');
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsLiteModule.forRoot()],
      providers: [FailingProjection],
    }).compile();
    app = moduleRef.createNestApplication();
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      logged.push(String(message));
    });
    try {
      await app.init();
      void app.get(EventBus).publish(new OrderPlaced());
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged).toEqual([
        expect.stringMatching(/FailingProjection failed on OrderPlaced: read model down/),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('E4b (module): onEventError receives every EventHandlerError instead', async () => {
    const reported: EventHandlerError[] = [];
    @EventsHandler(OrderPlaced)
    class Failing {
      handle() {
        throw new Error('boom');
      }
    }
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onEventError: (error) => reported.push(error) })],
      providers: [Failing],
    });
    void app.get(EventBus).publish(new OrderPlaced());
    await expect(app.get(EventBus).publish(new OrderPlaced())).rejects.toBeInstanceOf(EventHandlerError);
    expect(reported).toHaveLength(2);
  });

  it('E8 (module): a command handler publishes with causedBy; the event handler sees the command as its cause', async () => {
    class PlaceOrder {}
    const seen: MessageContext[] = [];
    @CommandHandler(PlaceOrder)
    class PlaceOrderHandler {
      constructor(private readonly events: EventBus) {}
      async execute(command: PlaceOrder, context: MessageContext) {
        seen.push(context);
        await this.events.publish(new OrderPlaced(), { causedBy: context });
      }
    }
    @EventsHandler(OrderPlaced)
    class OnPlaced {
      handle(event: OrderPlaced, context: MessageContext) {
        seen.push(context);
      }
    }
    app = await createApp({ imports: [CqrsLiteModule.forRoot()], providers: [PlaceOrderHandler, OnPlaced] });
    await app.get(CommandBus).dispatch(new PlaceOrder(), { correlationId: 'http-1' });
    expect(seen[1]!.causationId).toBe(seen[0]!.id);
    expect(seen[1]!.correlationId).toBe('http-1');
  });

  it('N8: publishes in flight at shutdown are drained; later ones reject with BusShutDownError', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    @EventsHandler(OrderPlaced)
    class Slow {
      async handle() {
        await gate;
        finished = true;
      }
    }
    const started = await createApp({ imports: [CqrsLiteModule.forRoot()], providers: [Slow] });
    const bus = started.get(EventBus);
    const running = bus.publish(new OrderPlaced());
    const closing = started.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(finished).toBe(false);
    release();
    await closing;
    await running;
    expect(finished).toBe(true);
    await expect(bus.publish(new OrderPlaced())).rejects.toBeInstanceOf(BusShutDownError);
  });
});
