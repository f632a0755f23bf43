import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import { ClientsModule, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { CqrsLiteModule, EventBus, EventsHandler, Message, type MessageContext } from '../../../lib/index.js';
import { CqrsRemoteModule, TRANSPORT_HEADER } from '../../../lib/transport/index.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';

@Message({ name: 'fanout.order-placed' })
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

@Message({ name: 'fanout.order-cancelled' })
class OrderCancelled {
  constructor(readonly orderId: string) {}
}

/** Published and forwarded, but no service lists it in serve(). */
@Message({ name: 'fanout.internal' })
class InternalAudit {
  constructor(readonly orderId: string) {}
}

interface Seen {
  readonly service: string;
  readonly replica: number;
  readonly orderId: string;
  readonly context: MessageContext;
}

const LOG = Symbol('LOG');
const WHO = Symbol('WHO');

@Injectable()
@EventsHandler(OrderPlaced, OrderCancelled, InternalAudit)
class RecordingHandler {
  constructor(
    @Inject(LOG) private readonly log: Seen[],
    @Inject(WHO) private readonly who: { service: string; replica: number },
  ) {}

  handle(event: OrderPlaced, context: MessageContext): void {
    this.log.push({ ...this.who, orderId: event.orderId, context });
  }
}

jest.setTimeout(30_000);

describeWithServer('nats')('events fanned out over NATS (CqrsRemoteModule events)', () => {
  let server: TestServer;
  let prefix: string;
  const log: Seen[] = [];
  const apps: INestApplication[] = [];
  let publisher: INestApplication;
  let raw: ClientProxy;

  /** A service receiving the order events, `replica` of `service` (replicas share a queue group). */
  async function service(name: string, replica: number, events: Function[]): Promise<INestApplication> {
    @Module({
      imports: [
        CqrsLiteModule.forRoot({ onEventError: () => undefined }),
        CqrsRemoteModule.serve({
          events: events as never,
          subjectPrefix: prefix,
          extras: { queue: name },
          allowHeaders: ['x-tenant'],
        }),
      ],
      providers: [
        { provide: LOG, useValue: log },
        { provide: WHO, useValue: { service: name, replica } },
        RecordingHandler,
      ],
    })
    class ServiceModule {}
    const ref = await Test.createTestingModule({ imports: [ServiceModule] }).compile();
    const app = ref.createNestApplication({ logger: false });
    app.connectMicroservice({ transport: Transport.NATS, options: { servers: [server.url] } });
    await app.startAllMicroservices();
    await app.init();
    apps.push(app);
    return app;
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  const seenBy = (name: string) => log.filter((seen) => seen.service === name);

  beforeAll(async () => {
    server = await startServer('nats');
    prefix = `fanout-${randomUUID().slice(0, 8)}`;
    await service('billing', 1, [OrderPlaced, OrderCancelled]);
    await service('billing', 2, [OrderPlaced, OrderCancelled]);
    await service('mailer', 1, [OrderPlaced]);

    @Module({
      imports: [
        CqrsLiteModule.forRoot({ onEventError: () => undefined }),
        ClientsModule.register([
          { name: 'EVENTS', transport: Transport.NATS, options: { servers: [server.url] } },
          { name: 'RAW', transport: Transport.NATS, options: { servers: [server.url] } },
        ]),
        CqrsRemoteModule.forRoot({
          client: 'EVENTS',
          events: [OrderPlaced, OrderCancelled, InternalAudit],
          subjectPrefix: prefix,
        }),
      ],
      providers: [
        { provide: LOG, useValue: log },
        { provide: WHO, useValue: { service: 'publisher', replica: 1 } },
        RecordingHandler,
      ],
    })
    class PublisherModule {}
    const ref = await Test.createTestingModule({ imports: [PublisherModule] }).compile();
    publisher = ref.createNestApplication({ logger: false });
    await publisher.init();
    apps.push(publisher);
    raw = publisher.get('RAW');
    await raw.connect();
  }, 20_000);

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await server?.stop();
  });

  beforeEach(() => {
    log.length = 0;
  });

  it('each service gets every event once; replicas of one service share them; local handlers still run', async () => {
    const eventBus = publisher.get(EventBus);
    for (let i = 0; i < 40; i++) await eventBus.publish(new OrderPlaced(`o-${i}`));
    await settle();

    const all = Array.from({ length: 40 }, (_, i) => `o-${i}`);
    expect(seenBy('publisher').map((s) => s.orderId)).toEqual(all);
    expect(
      seenBy('mailer')
        .map((s) => s.orderId)
        .sort(),
    ).toEqual([...all].sort());
    const billing = seenBy('billing');
    expect(billing.map((s) => s.orderId).sort()).toEqual([...all].sort());
    // Shared through the queue group: both replicas took some, none twice.
    expect(new Set(billing.map((s) => s.replica))).toEqual(new Set([1, 2]));
  });

  it('the receiver’s context continues the publish: id, correlation, causation, allowed headers; origin header set', async () => {
    const eventBus = publisher.get(EventBus);
    await eventBus.publish(new OrderCancelled('o-9'), {
      correlationId: 'corr-9',
      headers: {
        'x-tenant': 'acme',
        'x-secret': 'dropped',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    });
    await settle();
    const local = seenBy('publisher')[0]!.context;
    const remote = seenBy('billing');
    expect(remote).toHaveLength(1);
    expect(remote[0]!.context.id).toBe(local.id);
    expect(remote[0]!.context.correlationId).toBe('corr-9');
    expect(remote[0]!.context.headers['x-tenant']).toBe('acme');
    expect(remote[0]!.context.headers.traceparent).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    expect(remote[0]!.context.headers).not.toHaveProperty('x-secret');
    expect(remote[0]!.context.headers[TRANSPORT_HEADER]).toBe('nats');
    // The mailer does not receive OrderCancelled.
    expect(seenBy('mailer')).toEqual([]);
  });

  it('unknown names are refused: an unserved event, a name its subject does not bind, a malformed envelope', async () => {
    const eventBus = publisher.get(EventBus);
    await eventBus.publish(new InternalAudit('o-internal'));
    const envelope = eventBus.toEnvelope(new InternalAudit('o-smuggled'));
    // On the OrderPlaced subject, naming another event: the subject binds the name.
    await firstValueFrom(raw.emit(`${prefix}.event.fanout.order-placed`, envelope), {
      defaultValue: undefined,
    });
    // A registered name that the mailer does not serve, on the mailer's subject.
    const cancelled = eventBus.toEnvelope(new OrderCancelled('o-not-for-mailer'));
    await firstValueFrom(raw.emit(`${prefix}.event.fanout.order-placed`, cancelled), {
      defaultValue: undefined,
    });
    await firstValueFrom(raw.emit(`${prefix}.event.fanout.order-placed`, { hello: 'world' }), {
      defaultValue: undefined,
    });
    await settle();

    expect(seenBy('publisher').map((s) => s.orderId)).toEqual(['o-internal']);
    expect(log.filter((s) => s.service !== 'publisher')).toEqual([]);
  });

  it('an event received from another service is not emitted again (no echo between services that both forward and serve)', async () => {
    // The billing replicas serve OrderPlaced; a fourth app both forwards and serves it.
    @Module({
      imports: [
        CqrsLiteModule.forRoot({ onEventError: () => undefined }),
        ClientsModule.register([
          { name: 'EVENTS', transport: Transport.NATS, options: { servers: [server.url] } },
        ]),
        CqrsRemoteModule.forRoot({ client: 'EVENTS', events: [OrderPlaced], subjectPrefix: prefix }),
        CqrsRemoteModule.serve({ events: [OrderPlaced], subjectPrefix: prefix, extras: { queue: 'relay' } }),
      ],
      providers: [
        { provide: LOG, useValue: log },
        { provide: WHO, useValue: { service: 'relay', replica: 1 } },
        RecordingHandler,
      ],
    })
    class RelayModule {}
    const ref = await Test.createTestingModule({ imports: [RelayModule] }).compile();
    const relay = ref.createNestApplication({ logger: false });
    relay.connectMicroservice({ transport: Transport.NATS, options: { servers: [server.url] } });
    await relay.startAllMicroservices();
    await relay.init();
    apps.push(relay);

    await publisher.get(EventBus).publish(new OrderPlaced('o-once'));
    await settle();
    expect(seenBy('relay').map((s) => s.orderId)).toEqual(['o-once']);
    expect(seenBy('billing').map((s) => s.orderId)).toEqual(['o-once']);
    expect(seenBy('mailer').map((s) => s.orderId)).toEqual(['o-once']);
  });

  it('with authentication, signed events are received and unsigned ones refused', async () => {
    const key = { id: 'k1', secret: 'a secret of at least thirty-two bytes!' };
    const signedPrefix = `${prefix}-signed`;
    @Module({
      imports: [
        CqrsLiteModule.forRoot({ onEventError: () => undefined }),
        CqrsRemoteModule.serve({
          events: [OrderPlaced],
          subjectPrefix: signedPrefix,
          authentication: { verificationKeys: { [key.id]: key.secret } },
        }),
      ],
      providers: [
        { provide: LOG, useValue: log },
        { provide: WHO, useValue: { service: 'verifier', replica: 1 } },
        RecordingHandler,
      ],
    })
    class VerifierModule {}
    const verifierRef = await Test.createTestingModule({ imports: [VerifierModule] }).compile();
    const verifier = verifierRef.createNestApplication({ logger: false });
    verifier.connectMicroservice({ transport: Transport.NATS, options: { servers: [server.url] } });
    await verifier.startAllMicroservices();
    await verifier.init();
    apps.push(verifier);

    @Module({
      imports: [
        CqrsLiteModule.forRoot(),
        ClientsModule.register([
          { name: 'SIGNED', transport: Transport.NATS, options: { servers: [server.url] } },
        ]),
        CqrsRemoteModule.forRoot({
          client: 'SIGNED',
          events: [OrderPlaced],
          subjectPrefix: signedPrefix,
          authentication: { signingKey: key },
        }),
      ],
    })
    class SignerModule {}
    const signerRef = await Test.createTestingModule({ imports: [SignerModule] }).compile();
    const signer = signerRef.createNestApplication({ logger: false });
    await signer.init();
    apps.push(signer);

    await signer.get(EventBus).publish(new OrderPlaced('o-signed'));
    const unsigned = publisher.get(EventBus).toEnvelope(new OrderPlaced('o-unsigned'));
    await firstValueFrom(raw.emit(`${signedPrefix}.event.fanout.order-placed`, unsigned), {
      defaultValue: undefined,
    });
    await settle();
    expect(seenBy('verifier').map((s) => s.orderId)).toEqual(['o-signed']);
  });
});
