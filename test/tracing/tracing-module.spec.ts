/**
 * SPEC §14 in Nest: `CqrsLiteModule.forRoot({ tracing: true })` puts the tracing step first in
 * every chain; spans of a real HTTP request nest as a user's trace viewer would show them.
 */
import {
  Body,
  Controller,
  HttpCode,
  Injectable,
  Module,
  Post,
  type INestApplication,
  type ModuleMetadata,
} from '@nestjs/common';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { IsPositive } from 'class-validator';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  Query,
  QueryBus,
  QueryHandler,
  UseMiddleware,
  type CqrsLiteModuleOptions,
  type MessageContext,
  type MiddlewareFn,
} from '../../lib/index.js';
import { idOf, parentOf, registerTestSdk, withSpan } from './otel-sdk.js';

class PlaceOrder {
  @IsPositive()
  quantity!: number;
}

class GetStock extends Query<number> {}

class StockError extends Error {}

const tracer = () => trace.getTracer('app');
const audit: MiddlewareFn = function audit(_message, next) {
  return next();
};

@Injectable()
@QueryHandler(GetStock)
class GetStockHandler {
  execute() {
    tracer().startSpan('SELECT stock').end();
    return 10;
  }
}

@Injectable()
@CommandHandler(PlaceOrder)
@UseMiddleware(function ownStep(_message: object, next: () => Promise<unknown>) {
  return next();
})
class PlaceOrderHandler {
  constructor(private readonly queryBus: QueryBus) {}
  async execute(command: PlaceOrder, ctx: MessageContext) {
    const stock = await this.queryBus.ask(new GetStock(), { causedBy: ctx });
    if (command.quantity > stock) throw new StockError(`only ${stock} left`);
    tracer().startSpan('INSERT order').end();
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}
  @Post()
  @HttpCode(201)
  async place(@Body() body: { quantity: number }) {
    await this.commandBus.dispatch(Object.assign(new PlaceOrder(), body));
    return { ok: true };
  }
}

const sdk = registerTestSdk();
afterAll(() => sdk.shutdown());
beforeEach(() => sdk.reset());

/** An HTTP application whose requests each run in a SERVER span, as HTTP instrumentation does. */
async function httpApp(options: CqrsLiteModuleOptions): Promise<INestApplication> {
  @Module({
    imports: [CqrsLiteModule.forRoot(options)],
    controllers: [OrdersController],
    providers: [PlaceOrderHandler, GetStockHandler],
  })
  class AppModule {}
  const ref = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = ref.createNestApplication({ logger: false });
  app.use(
    (req: { method: string; url: string }, res: { on(e: string, f: () => void): void }, next: () => void) => {
      const span = tracer().startSpan(`${req.method} ${req.url}`, { kind: SpanKind.SERVER });
      res.on('finish', () => span.end());
      context.with(trace.setSpan(context.active(), span), next);
    },
  );
  await app.init();
  return app;
}

async function appWith(options: CqrsLiteModuleOptions, metadata: ModuleMetadata = {}) {
  const ref = await Test.createTestingModule({
    imports: [CqrsLiteModule.forRoot(options)],
    providers: [PlaceOrderHandler, GetStockHandler],
    ...metadata,
  }).compile();
  const app = ref.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** Waits until the HTTP span has ended (supertest may see the response first). */
async function spanEnded(name: string): Promise<void> {
  for (let i = 0; i < 1000 && !sdk.spans().some((s) => s.name === name); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('CqrsLiteModule option tracing (SPEC §14)', () => {
  let app: INestApplication;
  afterEach(() => app?.close());

  it('T1: tracing: true puts the tracing step first in every chain, before middleware, @UseMiddleware and validation', async () => {
    app = await appWith({ tracing: true, middleware: [audit] });
    const [command] = app.get(CommandBus).registrations();
    const [query] = app.get(QueryBus).registrations();
    expect(command!.middleware).toEqual(['TracingMiddleware', 'audit', 'ownStep', 'ValidationMiddleware']);
    expect(query!.middleware).toEqual(['TracingMiddleware', 'audit']);
  });

  it('T1: HTTP request → command → query, with the handlers’ own spans nested under theirs', async () => {
    app = await httpApp({ tracing: true });
    await request(app.getHttpServer()).post('/orders').send({ quantity: 2 }).expect(201);
    await spanEnded('POST /orders');

    const http = sdk.span('POST /orders');
    const command = sdk.span('command PlaceOrder');
    const query = sdk.span('query GetStock');
    expect(parentOf(command)).toBe(idOf(http));
    expect(parentOf(query)).toBe(idOf(command));
    expect(parentOf(sdk.span('SELECT stock'))).toBe(idOf(query));
    expect(parentOf(sdk.span('INSERT order'))).toBe(idOf(command));
    expect(new Set(sdk.spans().map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(command.attributes).toMatchObject({ 'cqrs.kind': 'command', 'cqrs.handler': 'PlaceOrderHandler' });
    expect(query.attributes['cqrs.correlation_id']).toBe(command.attributes['cqrs.correlation_id']);
  });

  it('T1: a handler’s error is recorded on its span (and a validation failure on the command’s)', async () => {
    app = await httpApp({ tracing: true });
    await request(app.getHttpServer()).post('/orders').send({ quantity: 50 }).expect(500);
    await request(app.getHttpServer()).post('/orders').send({ quantity: -1 }).expect(500);
    await spanEnded('POST /orders');

    const [tooMany, invalid] = sdk.spans().filter((s) => s.name === 'command PlaceOrder');
    expect(tooMany!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'only 10 left' });
    expect(invalid!.status.code).toBe(SpanStatusCode.ERROR);
    expect(invalid!.events[0]!.attributes!['exception.type']).toBe('CQRS_VALIDATION_FAILED');
    // The query of the invalid command never ran.
    expect(sdk.spans().filter((s) => s.name === 'query GetStock')).toHaveLength(1);
  });

  it('T1: forRootAsync({ useFactory: () => ({ tracing: true }) }) traces too', async () => {
    const ref = await Test.createTestingModule({
      imports: [CqrsLiteModule.forRootAsync({ useFactory: () => ({ tracing: true }) })],
      providers: [GetStockHandler],
    }).compile();
    app = ref.createNestApplication({ logger: false });
    await app.init();
    await app.get(QueryBus).ask(new GetStock());
    expect(sdk.span('query GetStock').attributes['cqrs.handler']).toBe('GetStockHandler');
  });

  it('T4: off by default: no step is added and no span is made, even with a span active and an SDK registered', async () => {
    app = await appWith({ middleware: [audit] });
    expect(app.get(CommandBus).registrations()[0]!.middleware).toEqual([
      'audit',
      'ownStep',
      'ValidationMiddleware',
    ]);
    expect(app.get(QueryBus).registrations()[0]!.middleware).toEqual(['audit']);
    await withSpan('outer', () => app.get(QueryBus).ask(new GetStock()));
    expect(sdk.spans().map((s) => s.name)).toEqual(['SELECT stock', 'outer']);
  });

  it('T4: tracing: false is off as well', async () => {
    app = await appWith({ tracing: false });
    expect(app.get(QueryBus).registrations()[0]!.middleware).toEqual([]);
  });
});
