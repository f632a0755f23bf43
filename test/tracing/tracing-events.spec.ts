/**
 * SPEC §14 with events, sagas and the query cache in Nest: one HTTP request's trace shows the
 * command, each event handler, the command a saga emits, and whether a query was answered from
 * the cache.
 */
import { Body, Controller, HttpCode, Injectable, Post, type INestApplication } from '@nestjs/common';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { Test } from '@nestjs/testing';
import { map, type Observable } from 'rxjs';
import request from 'supertest';
import {
  Cacheable,
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  EventBus,
  EventsHandler,
  Query,
  QueryBus,
  QueryHandler,
  Saga,
  ofType,
  type MessageContext,
} from '../../lib/index.js';
import { idOf, parentOf, registerTestSdk } from './otel-sdk.js';

class PlaceOrder {
  constructor(readonly orderId: string) {}
}
class OrderPlaced {
  constructor(readonly orderId: string) {}
}
class ShipOrder {
  constructor(readonly orderId: string) {}
}

@Cacheable({ ttl: 60_000 })
class GetPrice extends Query<number> {
  constructor(readonly sku: string) {
    super();
  }
}

@Injectable()
@CommandHandler(PlaceOrder)
class PlaceOrderHandler {
  constructor(private readonly eventBus: EventBus) {}
  async execute(command: PlaceOrder, ctx: MessageContext) {
    await this.eventBus.publish(new OrderPlaced(command.orderId), { causedBy: ctx });
  }
}

@Injectable()
@EventsHandler(OrderPlaced)
class SendReceipt {
  handle() {
    trace.getTracer('mailer').startSpan('smtp.send').end();
  }
}

@Injectable()
@EventsHandler(OrderPlaced)
class UpdateStock {
  handle() {
    throw new Error('stock service down');
  }
}

@Injectable()
class ShippingSaga {
  @Saga()
  orderPlaced = (events$: Observable<object>) =>
    events$.pipe(
      ofType(OrderPlaced),
      map((event) => new ShipOrder(event.orderId)),
    );
}

const shipped: string[] = [];
@Injectable()
@CommandHandler(ShipOrder)
class ShipOrderHandler {
  execute(command: ShipOrder) {
    shipped.push(command.orderId);
  }
}

let priceLookups = 0;
@Injectable()
@QueryHandler(GetPrice)
class GetPriceHandler {
  execute() {
    priceLookups++;
    return 12;
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}
  @Post()
  @HttpCode(201)
  async place(@Body() body: { orderId: string }) {
    await this.commandBus.dispatch(new PlaceOrder(body.orderId)).catch(() => undefined);
    return {};
  }
}

const sdk = registerTestSdk();

describe('tracing with events, sagas and the query cache (SPEC §14)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const ref = await Test.createTestingModule({
      imports: [CqrsLiteModule.forRoot({ tracing: true, cache: true, onEventError: () => undefined })],
      controllers: [OrdersController],
      providers: [
        PlaceOrderHandler,
        SendReceipt,
        UpdateStock,
        ShippingSaga,
        ShipOrderHandler,
        GetPriceHandler,
      ],
    }).compile();
    app = ref.createNestApplication({ logger: false });
    app.use(
      (
        req: { method: string; url: string },
        res: { on(e: string, f: () => void): void },
        next: () => void,
      ) => {
        const span = trace.getTracer('http').startSpan(`${req.method} ${req.url}`, { kind: SpanKind.SERVER });
        res.on('finish', () => span.end());
        context.with(trace.setSpan(context.active(), span), next);
      },
    );
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await sdk.shutdown();
  });

  beforeEach(() => sdk.reset());

  it('T1: HTTP request → command → each event handler, and the command the saga emits, in one trace', async () => {
    await request(app.getHttpServer()).post('/orders').send({ orderId: 'o-1' }).expect(201);
    for (let i = 0; i < 1000 && !sdk.spans().some((s) => s.name === 'POST /orders'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(shipped).toEqual(['o-1']);

    const http = sdk.span('POST /orders');
    const place = sdk.span('command PlaceOrder');
    const handlers = sdk.spans().filter((s) => s.name === 'event OrderPlaced');
    const ship = sdk.span('command ShipOrder');
    expect(parentOf(place)).toBe(idOf(http));
    expect(handlers.map((s) => s.attributes['cqrs.handler'])).toEqual(['SendReceipt', 'UpdateStock']);
    expect(handlers.map((s) => parentOf(s))).toEqual([idOf(place), idOf(place)]);
    expect(handlers.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    expect(parentOf(sdk.span('smtp.send'))).toBe(idOf(handlers[0]!));
    // The saga reacts to the publish made inside PlaceOrder's handler: its command nests there.
    expect(parentOf(ship)).toBe(idOf(place));
    expect(ship.attributes['cqrs.correlation_id']).toBe(place.attributes['cqrs.correlation_id']);
    // The command failed because one event handler did (E4), and says so.
    expect(place.status.code).toBe(SpanStatusCode.ERROR);
    expect(new Set(sdk.spans().map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('T1: cqrs.cache.hit is false on a miss and true on a hit, with the real query cache', async () => {
    const queries = app.get(QueryBus);
    await expect(queries.ask(new GetPrice('sku-1'))).resolves.toBe(12);
    await expect(queries.ask(new GetPrice('sku-1'))).resolves.toBe(12);
    expect(priceLookups).toBe(1);

    const [miss, hit] = sdk.spans().filter((s) => s.name === 'query GetPrice');
    expect(miss!.attributes['cqrs.cache.hit']).toBe(false);
    expect(hit!.attributes['cqrs.cache.hit']).toBe(true);
    expect(app.get(QueryBus).registrations()[0]!.middleware[0]).toBe('TracingMiddleware');
  });

  it('T1: an ask that joins the same ask in flight counts as a hit', async () => {
    const queries = app.get(QueryBus);
    await Promise.all([queries.ask(new GetPrice('sku-2')), queries.ask(new GetPrice('sku-2'))]);
    const spans = sdk.spans().filter((s) => s.name === 'query GetPrice');
    expect(spans.map((s) => s.attributes['cqrs.cache.hit']).sort()).toEqual([false, true]);
  });
});
