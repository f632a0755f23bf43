/**
 * SPEC §5 C4 over real HTTP: a request-scoped handler's follow-up, dispatched with
 * `{ causedBy: context }`, resolves its own request-scoped handler in the same DI context, so
 * `@Inject(REQUEST)` is the same request object. Also: contexts print as their own data.
 */
import { jest } from '@jest/globals';
import { inspect } from 'node:util';
import { Body, Controller, Inject, Post, Req, Scope, type INestApplication } from '@nestjs/common';
import { ContextIdFactory, ModuleRef, REQUEST } from '@nestjs/core';
import request from 'supertest';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  EventBus,
  EventsHandler,
  type MessageContext,
} from '../../lib/index.js';
import { createApp } from './test-app.js';

class PlaceOrder {
  constructor(readonly orderId: string) {}
}
class ReserveStock {
  constructor(readonly orderId: string) {}
}
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

interface Seen {
  requests: { step: string; request: unknown; user: string | undefined }[];
}
const SEEN = Symbol('SEEN');

type HttpRequest = { headers: Record<string, string | undefined> };

@CommandHandler(PlaceOrder, { scope: Scope.REQUEST })
class PlaceOrderHandler {
  constructor(
    @Inject(REQUEST) private readonly request: HttpRequest,
    @Inject(SEEN) private readonly seen: Seen,
    private readonly commandBus: CommandBus,
    private readonly eventBus: EventBus,
  ) {}

  async execute(command: PlaceOrder, context: MessageContext) {
    this.seen.requests.push({ step: 'place', request: this.request, user: this.request?.headers['x-user'] });
    await this.commandBus.dispatch(new ReserveStock(command.orderId), { causedBy: context });
    await this.eventBus.publish(new OrderPlaced(command.orderId), { causedBy: context });
  }
}

@CommandHandler(ReserveStock, { scope: Scope.REQUEST })
class ReserveStockHandler {
  constructor(
    @Inject(REQUEST) private readonly request: HttpRequest,
    @Inject(SEEN) private readonly seen: Seen,
  ) {}

  execute(command: ReserveStock, context: MessageContext) {
    void context;
    this.seen.requests.push({
      step: 'reserve',
      request: this.request,
      user: this.request?.headers['x-user'],
    });
  }
}

@EventsHandler(OrderPlaced, { scope: Scope.REQUEST })
class NotifyCustomer {
  constructor(
    @Inject(REQUEST) private readonly request: HttpRequest,
    @Inject(SEEN) private readonly seen: Seen,
  ) {}

  handle(event: OrderPlaced, context: MessageContext) {
    void context;
    this.seen.requests.push({ step: 'notify', request: this.request, user: this.request?.headers['x-user'] });
  }
}

@Controller('orders')
class OrdersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly moduleRef: ModuleRef,
  ) {}

  @Post()
  async place(@Req() req: object, @Body() body: { id: string }) {
    // A singleton controller: the DI context is keyed on the real request object, and the request
    // registered in it so that @Inject(REQUEST) resolves to it.
    const contextId = ContextIdFactory.getByRequest(req);
    this.moduleRef.registerRequestByContextId(req, contextId);
    await this.commandBus.dispatch(new PlaceOrder(body.id), { contextId });
    return { id: body.id };
  }
}

describe('request scope across follow-ups (SPEC §5 C4)', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('C4: a follow-up dispatched or published with { causedBy: context } from a request-scoped handler sees the same @Inject(REQUEST)', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot()],
      controllers: [OrdersController],
      providers: [
        { provide: SEEN, useValue: { requests: [] } },
        PlaceOrderHandler,
        ReserveStockHandler,
        NotifyCustomer,
      ],
    });
    const server = app.getHttpServer();
    await request(server).post('/orders').set('x-user', 'ada').send({ id: 'o-1' }).expect(201);
    await request(server).post('/orders').set('x-user', 'grace').send({ id: 'o-2' }).expect(201);
    const seen = app.get<Seen>(SEEN).requests;
    expect(seen.map(({ step, user }) => `${step}:${user}`)).toEqual([
      'place:ada',
      'reserve:ada',
      'notify:ada',
      'place:grace',
      'reserve:grace',
      'notify:grace',
    ]);
    // The very same request object through the chain, and a different one per HTTP request.
    expect(seen[1]!.request).toBe(seen[0]!.request);
    expect(seen[2]!.request).toBe(seen[0]!.request);
    expect(seen[3]!.request).not.toBe(seen[0]!.request);
  });

  it('C4: an explicit options.contextId wins over the one causedBy carries', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot()],
      providers: [{ provide: SEEN, useValue: { requests: [] } }, ReserveStockHandler],
    });
    const bus = app.get(CommandBus);
    const first = ContextIdFactory.create();
    const other = ContextIdFactory.create();
    const fakeRequest = { headers: { 'x-user': 'registered' } };
    app.registerRequestByContextId(fakeRequest, other);
    let cause: MessageContext | undefined;
    bus.use((message, next, context) => {
      cause ??= context;
      return next();
    });
    await bus.dispatch(new ReserveStock('o-1'), { contextId: first });
    await bus.dispatch(new ReserveStock('o-2'), { causedBy: cause, contextId: other });
    const seen = app.get<Seen>(SEEN).requests;
    expect(seen[1]!.request).toBe(fakeRequest);
    expect(seen[0]!.request).not.toBe(fakeRequest);
  });
});

describe('a MessageContext prints as its own data', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function capture(): Promise<MessageContext> {
    const bus = new CommandBus();
    let captured: MessageContext | undefined;
    bus.register(ReserveStock, (command: ReserveStock, context: MessageContext) => {
      captured = context;
    });
    await bus.dispatch(new ReserveStock('o-1'), { headers: { 'x-user': 'ada' }, correlationId: 'corr-1' });
    return captured!;
  }

  it('util.inspect and JSON.stringify show kind, name, ids and headers only', async () => {
    const context = await capture();
    const data = JSON.parse(JSON.stringify(context));
    expect(Object.keys(data).sort()).toEqual(
      ['causationId', 'correlationId', 'headers', 'id', 'kind', 'messageName', 'timestamp'].filter(
        (key) => key !== 'causationId', // undefined is dropped by JSON
      ),
    );
    expect(data).toMatchObject({ kind: 'command', messageName: 'ReserveStock', correlationId: 'corr-1' });
    const printed = inspect(context, { depth: 10 });
    expect(printed).toContain("messageName: 'ReserveStock'");
    expect(printed).toContain("'x-user': 'ada'");
    expect(printed.length).toBeLessThan(400);
    expect(printed).not.toMatch(/route|compose|middleware/i);
  });

  it('a failing Jest toHaveBeenCalledWith on a handler spied in a Nest app prints a short message', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ middleware: [(m, next) => next()] })],
      providers: [{ provide: SEEN, useValue: { requests: [] } }, ReserveStockHandler],
    });
    const handler = await app.resolve(ReserveStockHandler);
    const spy = jest.spyOn(ReserveStockHandler.prototype, 'execute');
    await app.get(CommandBus).dispatch(new ReserveStock('o-1'), { contextId: ContextIdFactory.create() });
    expect(spy).toHaveBeenCalledTimes(1);
    let message = '';
    try {
      expect(spy).toHaveBeenCalledWith(new ReserveStock('o-2'));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('ReserveStock');
    expect(message).toContain('"messageName": "ReserveStock"');
    expect(message.length).toBeLessThan(1500);
    expect(handler).toBeInstanceOf(ReserveStockHandler);
    spy.mockRestore();
  });
});
