import { jest } from '@jest/globals';
/**
 * SPEC §14 T2 for events across services: a publisher and a consumer with tracing on give one
 * trace, over JetStream (the storing handler is a PRODUCER span, the consumer's handler a
 * CONSUMER span under it) and over the NATS fan-out (the consumer's handler continues the
 * publisher's active span).
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { CqrsLiteModule, EventBus, EventsHandler, Message, type MessageContext } from '../../lib/index.js';
import { CqrsRemoteModule } from '../../lib/transport/index.js';
import {
  Behaviour,
  eventually,
  freshStream,
  jetStreamApp,
  OrderPlaced,
} from '../transport/jetstream/jetstream-apps.js';
import { describeWithServer, startServer, type TestServer } from '../transport/servers.js';
import { idOf, parentOf, registerTestSdk, withSpan } from './otel-sdk.js';

const sdk = registerTestSdk();

@Message({ name: 'traced.parcel-sent' })
class ParcelSent {
  constructor(readonly parcelId: string) {}
}

const SEEN = Symbol('SEEN');

@Injectable()
@EventsHandler(ParcelSent)
class ParcelSentHandler {
  constructor(@Inject(SEEN) private readonly seen: MessageContext[]) {}
  handle(_event: ParcelSent, context: MessageContext): void {
    this.seen.push(context);
  }
}

jest.setTimeout(30_000);

describeWithServer('nats')('one trace across services for events (SPEC §14 T2)', () => {
  let server: TestServer;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    server = await startServer('nats');
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await server?.stop();
    await sdk.shutdown();
  });

  beforeEach(() => sdk.reset());

  it('T2: JetStream — the storing handler is a PRODUCER span, the consumer’s handler a CONSUMER span under it, same correlation', async () => {
    const names = freshStream();
    const consumed = new Behaviour();
    apps.push(
      await jetStreamApp(
        { servers: server.url, ...names, consume: { durable: 'traced', events: [OrderPlaced] } },
        consumed,
        { tracing: true },
      ),
    );
    const publisher = await jetStreamApp(
      { servers: server.url, ...names, publish: [OrderPlaced] },
      undefined,
      {
        handlers: false,
        tracing: true,
      },
    );
    apps.push(publisher);

    await withSpan('checkout', () =>
      publisher.get(EventBus).publish(new OrderPlaced('o-traced'), { correlationId: 'c-t' }),
    );
    await eventually(() => consumed.deliveries.length === 1, 'the consumed event');
    await eventually(
      () => sdk.spans().filter((s) => s.name === 'event js.order-placed').length === 2,
      'two spans',
    );

    const checkout = sdk.span('checkout');
    const [producer, consumer] = sdk
      .spans()
      .filter((s) => s.name === 'event js.order-placed')
      .sort((a, b) => (a.kind === SpanKind.PRODUCER ? -1 : b.kind === SpanKind.PRODUCER ? 1 : 0));
    expect(producer!.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(producer!)).toBe(idOf(checkout));
    expect(producer!.attributes['cqrs.handler']).toBe(
      `jetstream via ${names.stream} (${names.subjectPrefix}.event.js.order-placed)`,
    );
    expect(consumer!.kind).toBe(SpanKind.CONSUMER);
    expect(consumer!.spanContext().traceId).toBe(checkout.spanContext().traceId);
    expect(parentOf(consumer!)).toBe(idOf(producer!));
    expect(consumer!.attributes).toMatchObject({
      'cqrs.message.id': producer!.attributes['cqrs.message.id'],
      'cqrs.correlation_id': 'c-t',
    });
  });

  it('T2: NATS fan-out — the receiving service’s handler span continues the publisher’s trace as a CONSUMER span', async () => {
    const prefix = `traced-${randomUUID().slice(0, 8)}`;
    const seen: MessageContext[] = [];
    @Module({
      imports: [
        CqrsLiteModule.forRoot({ tracing: true }),
        CqrsRemoteModule.serve({ events: [ParcelSent], subjectPrefix: prefix }),
      ],
      providers: [{ provide: SEEN, useValue: seen }, ParcelSentHandler],
    })
    class ReceiverModule {}
    const receiverRef = await Test.createTestingModule({ imports: [ReceiverModule] }).compile();
    const receiver = receiverRef.createNestApplication({ logger: false });
    receiver.connectMicroservice({ transport: Transport.NATS, options: { servers: [server.url] } });
    await receiver.startAllMicroservices();
    await receiver.init();
    apps.push(receiver);

    @Module({
      imports: [
        CqrsLiteModule.forRoot({ tracing: true }),
        ClientsModule.register([
          { name: 'EVENTS', transport: Transport.NATS, options: { servers: [server.url] } },
        ]),
        CqrsRemoteModule.forRoot({ client: 'EVENTS', events: [ParcelSent], subjectPrefix: prefix }),
      ],
    })
    class PublisherModule {}
    const publisherRef = await Test.createTestingModule({ imports: [PublisherModule] }).compile();
    const publisher = publisherRef.createNestApplication({ logger: false });
    await publisher.init();
    apps.push(publisher);

    await withSpan('dispatch-parcel', () => publisher.get(EventBus).publish(new ParcelSent('p-1')));
    await eventually(() => seen.length === 1, 'the fanned-out event');
    await eventually(
      () => sdk.spans().some((s) => s.name === 'event traced.parcel-sent'),
      'the consumer span',
    );

    const root = sdk.span('dispatch-parcel');
    const consumer = sdk.span('event traced.parcel-sent');
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(parentOf(consumer)).toBe(idOf(root));
    expect(seen[0]!.headers.traceparent).toMatch(new RegExp(`^00-${root.spanContext().traceId}-`));
  });
});
