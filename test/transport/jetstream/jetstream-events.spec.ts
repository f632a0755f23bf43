import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import Database from 'better-sqlite3';
import { EventBus, EventHandlerError, MessageValidationError } from '../../../lib/index.js';
import {
  CqrsJetStreamEvents,
  DELIVERY_ATTEMPT_HEADER,
  JetStreamOptionsError,
  PARKED_REASON_HEADER,
  TransportUnavailableError,
  type ParkedEvent,
} from '../../../lib/transport/jetstream/index.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import {
  Behaviour,
  eventually,
  freshStream,
  jetStreamApp,
  OrderPlaced,
  OrderShipped,
} from './jetstream-apps.js';

jest.setTimeout(30_000);

describeWithServer('nats')(
  'JetStream events (nestjs-cqrs-lite/transport/jetstream), over a real nats-server -js',
  () => {
    let server: TestServer;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    const apps: INestApplication[] = [];

    const app = async (...args: Parameters<typeof jetStreamApp>) => {
      const created = await jetStreamApp(...args);
      apps.push(created);
      return created;
    };

    beforeAll(async () => {
      server = await startServer('nats');
      nc = await connect({ servers: server.url });
      jsm = await jetstreamManager(nc);
    });

    afterEach(async () => {
      await Promise.all(apps.splice(0).map((one) => one.close()));
    });

    afterAll(async () => {
      await nc?.close();
      await server?.stop();
    });

    const stored = async (stream: string) => (await jsm.streams.info(stream)).state.messages;

    it('publish() resolves once the stream has stored the event; local handlers still run', async () => {
      const names = freshStream();
      const behaviour = new Behaviour();
      const publisher = await app({ servers: server.url, ...names, publish: [OrderPlaced] }, behaviour);
      const eventBus = publisher.get(EventBus);

      await eventBus.publish(new OrderPlaced('o-1'), {
        correlationId: 'corr-1',
        headers: { 'x-tenant': 'acme' },
      });

      expect(await stored(names.stream)).toBe(1);
      expect(behaviour.deliveries.map((d) => d.orderId)).toEqual(['o-1']);
      const message = (await jsm.streams.getMessage(names.stream, { seq: 1 }))!;
      expect(message.subject).toBe(`${names.subjectPrefix}.event.js.order-placed`);
      const envelope = message.json<Record<string, unknown>>();
      expect(envelope).toMatchObject({
        id: behaviour.deliveries[0]!.id,
        name: 'js.order-placed',
        kind: 'event',
        correlationId: 'corr-1',
        headers: { 'x-tenant': 'acme' },
        payload: { orderId: 'o-1', amount: 1 },
      });
      expect(message.header.get('Nats-Msg-Id')).toBe(envelope.id);
      // The storing handler is listed among the event's handlers.
      const handlers = eventBus.registrations().find((r) => r.messageName === 'js.order-placed')!.handlers;
      expect(handlers.map((h) => h.handler)).toContain(
        `jetstream via ${names.stream} (${names.subjectPrefix}.event.js.order-placed)`,
      );
    });

    it('a publish retried with the same envelope id is stored once (Nats-Msg-Id, duplicate window)', async () => {
      const names = freshStream();
      const publisher = await app({ servers: server.url, ...names, publish: [OrderPlaced] }, new Behaviour());
      const eventBus = publisher.get(EventBus);
      const envelope = JSON.parse(JSON.stringify(eventBus.toEnvelope(new OrderPlaced('o-dup'))));

      await eventBus.publishEnvelope(envelope);
      await eventBus.publishEnvelope(envelope);
      await eventBus.publish(new OrderPlaced('o-other'));

      expect(await stored(names.stream)).toBe(2);
    });

    it('an invalid event is refused before it is stored (the application’s validation runs first)', async () => {
      const names = freshStream();
      const publisher = await app(
        { servers: server.url, ...names, publish: [OrderPlaced] },
        new Behaviour(),
        {
          handlers: false,
        },
      );
      const error = await publisher
        .get(EventBus)
        .publish(new OrderPlaced('x'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventHandlerError);
      expect((error as EventHandlerError).cause).toBeInstanceOf(MessageValidationError);
      expect(await stored(names.stream)).toBe(0);
    });

    it('a stream that cannot be reached in time rejects the publish with TransportUnavailableError', async () => {
      const names = freshStream();
      const own = await startServer('nats', { own: true });
      const publisher = await app(
        { servers: own.url, ...names, publish: [OrderPlaced], publishTimeout: 600 },
        new Behaviour(),
        { handlers: false },
      );
      await own.stop();
      const error = await publisher
        .get(EventBus)
        .publish(new OrderPlaced('o-lost'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventHandlerError);
      expect((error as EventHandlerError).cause).toBeInstanceOf(TransportUnavailableError);
      expect(String((error as EventHandlerError).cause)).toContain('may or may not be stored');
    });

    it('a consuming service gets each event once, acknowledged after its handlers settled, with correlation, headers and attempt 1', async () => {
      const names = freshStream();
      const publisher = await app(
        { servers: server.url, ...names, publish: [OrderPlaced] },
        new Behaviour(),
        {
          handlers: false,
        },
      );
      const billing = new Behaviour();
      const consumer = await app(
        {
          servers: server.url,
          ...names,
          consume: { durable: 'billing', events: [OrderPlaced], allowHeaders: ['x-user'] },
        },
        billing,
      );
      const eventBus = publisher.get(EventBus);
      for (let i = 0; i < 20; i++) {
        await eventBus.publish(new OrderPlaced(`o-${i}`), {
          correlationId: `c-${i}`,
          headers: { 'x-user': 'ann' },
        });
      }
      await eventually(() => billing.deliveries.length === 20, '20 deliveries');
      expect(billing.deliveries.map((d) => d.orderId)).toEqual(
        Array.from({ length: 20 }, (_, i) => `o-${i}`),
      );
      expect(billing.deliveries.every((d) => d.attempt === '1')).toBe(true);
      expect(billing.deliveries[3]!.context.correlationId).toBe('c-3');
      expect(billing.deliveries[3]!.context.headers['x-user']).toBe('ann');
      // The consumer acknowledged each: nothing is pending or waiting for an ack.
      expect(consumer.get(CqrsJetStreamEvents).consumer).toBeDefined();
      const info = await jsm.consumers.info(names.stream, 'billing_js_order-placed');
      expect(info.num_pending).toBe(0);
      const deadline = Date.now() + 5_000;
      let ackPending = (await jsm.consumers.info(names.stream, 'billing_js_order-placed')).num_ack_pending;
      while (ackPending > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ackPending = (await jsm.consumers.info(names.stream, 'billing_js_order-placed')).num_ack_pending;
      }
      expect(ackPending).toBe(0);
    });

    it('a handler failing 3 times then succeeding is retried with backoff and handled, not parked', async () => {
      const names = freshStream();
      const behaviour = new Behaviour();
      behaviour.failures.set('o-flaky', 3);
      const parked: ParkedEvent[] = [];
      await app(
        {
          servers: server.url,
          ...names,
          publish: [OrderPlaced],
          consume: {
            durable: 'mailer',
            events: [OrderPlaced],
            maxDeliver: 5,
            backoff: [50, 100],
            onParked: (p) => parked.push(p),
          },
        },
        behaviour,
      );
      // Published by a process of its own: the local handler of the publisher is not what is retried.
      const js = jetstream(nc);
      const envelope = { ...envelopeOf('o-flaky'), id: 'flaky-1' };
      await js.publish(`${names.subjectPrefix}.event.js.order-placed`, JSON.stringify(envelope), {
        msgID: envelope.id,
      });

      await eventually(() => behaviour.handledOnce('o-flaky') !== undefined, 'the fourth attempt');
      expect(behaviour.deliveries.map((d) => d.attempt)).toEqual(['1', '2', '3', '4']);
      expect(new Set(behaviour.deliveries.map((d) => d.id))).toEqual(new Set(['flaky-1']));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(parked).toEqual([]);
      expect(await stored(`${names.stream}_DEAD`)).toBe(0);
    });

    it('a handler that always fails: parked on the dead-letter subject after maxDeliver attempts, the others continue', async () => {
      const names = freshStream();
      const behaviour = new Behaviour();
      behaviour.failures.set('o-poison', Infinity);
      const parked: ParkedEvent[] = [];
      await app(
        {
          servers: server.url,
          ...names,
          consume: {
            durable: 'billing',
            events: [OrderPlaced],
            maxDeliver: 3,
            backoff: [30],
            onParked: (p) => parked.push(p),
          },
        },
        behaviour,
      );
      const js = jetstream(nc);
      const subject = `${names.subjectPrefix}.event.js.order-placed`;
      for (const orderId of ['o-a', 'o-poison', 'o-b', 'o-c']) {
        const envelope = envelopeOf(orderId);
        await js.publish(subject, JSON.stringify(envelope), { msgID: envelope.id });
      }

      await eventually(() => parked.length === 1, 'the poison event parked');
      await eventually(() => ['o-a', 'o-b', 'o-c'].every((id) => behaviour.handledOnce(id)), 'the others');
      expect(behaviour.deliveries.filter((d) => d.orderId === 'o-poison').map((d) => d.attempt)).toEqual([
        '1',
        '2',
        '3',
      ]);
      expect(parked[0]).toMatchObject({
        reason: 'max-deliver',
        messageName: 'js.order-placed',
        attempts: 3,
        subject: `${names.subjectPrefix}.dead.billing.js.order-placed`,
        streamSequence: 2,
      });
      const dead = (await jsm.streams.getMessage(`${names.stream}_DEAD`, { seq: 1 }))!;
      expect(dead.subject).toBe(`${names.subjectPrefix}.dead.billing.js.order-placed`);
      expect(dead.header.get(PARKED_REASON_HEADER)).toBe('max-deliver');
      expect(dead.json<{ payload: { orderId: string } }>().payload.orderId).toBe('o-poison');
      // Never redelivered after it was parked.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(behaviour.deliveries.filter((d) => d.orderId === 'o-poison')).toHaveLength(3);
    });

    it('an invalid envelope is parked at once, never retried, and no handler runs', async () => {
      const names = freshStream();
      const behaviour = new Behaviour();
      const parked: ParkedEvent[] = [];
      await app(
        {
          servers: server.url,
          ...names,
          consume: {
            durable: 'billing',
            events: [OrderPlaced],
            maxDeliver: 5,
            onParked: (p) => parked.push(p),
          },
        },
        behaviour,
      );
      const js = jetstream(nc);
      const subject = `${names.subjectPrefix}.event.js.order-placed`;
      await js.publish(subject, 'not json');
      await js.publish(subject, JSON.stringify({ ...envelopeOf('o-x'), payload: { orderId: 'x' } })); // fails validation
      await js.publish(subject, JSON.stringify({ ...envelopeOf('o-y'), name: 'js.order-shipped' })); // wrong subject
      await js.publish(subject, JSON.stringify({ ...envelopeOf('o-z'), version: 7 }));
      await js.publish(subject, JSON.stringify(envelopeOf('o-ok')));

      await eventually(() => behaviour.handledOnce('o-ok') !== undefined, 'the valid event');
      await eventually(() => parked.length === 4, 'four parked events');
      expect(parked.map((p) => [p.reason, p.attempts])).toEqual(Array(4).fill(['invalid-envelope', 1]));
      expect(behaviour.deliveries.map((d) => d.orderId)).toEqual(['o-ok']);
      expect(await stored(`${names.stream}_DEAD`)).toBe(4);
    });

    it('trace and delivery headers: a redelivery is visible as attempt > 1 with the same context.id', async () => {
      const names = freshStream();
      const behaviour = new Behaviour();
      behaviour.failures.set('o-1', 1);
      await app(
        {
          servers: server.url,
          ...names,
          consume: { durable: 'audit', events: [OrderPlaced], backoff: [20] },
        },
        behaviour,
      );
      const envelope = {
        ...envelopeOf('o-1'),
        headers: {
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          [DELIVERY_ATTEMPT_HEADER]: '99',
        },
      };
      await jetstream(nc).publish(`${names.subjectPrefix}.event.js.order-placed`, JSON.stringify(envelope));
      await eventually(() => behaviour.handledOnce('o-1') !== undefined, 'the second attempt');
      // The receiver's own attempt count wins over a header the sender put in.
      expect(behaviour.deliveries.map((d) => d.attempt)).toEqual(['1', '2']);
      expect(behaviour.deliveries.map((d) => d.id)).toEqual([envelope.id, envelope.id]);
      expect(behaviour.deliveries[1]!.context.headers.traceparent).toBe(envelope.headers.traceparent);
    });

    it('start options: "all" replays the whole stream into a fresh SQLite read model equal to the live one; "new" only later events; a Date from then on', async () => {
      const names = freshStream();
      const projection = (db: Database.Database) => {
        db.exec(
          'CREATE TABLE orders (order_id TEXT PRIMARY KEY, amount INTEGER, event_id TEXT, shipped INTEGER DEFAULT 0)',
        );
        return (event: OrderPlaced | OrderShipped, context: { id: string }) => {
          if (event instanceof OrderPlaced) {
            db.prepare('INSERT OR IGNORE INTO orders (order_id, amount, event_id) VALUES (?, ?, ?)').run(
              event.orderId,
              event.amount,
              context.id,
            );
          } else {
            db.prepare('UPDATE orders SET shipped = 1 WHERE order_id = ?').run(event.orderId);
          }
        };
      };
      const rows = (db: Database.Database) => db.prepare('SELECT * FROM orders ORDER BY order_id').all();

      const liveDb = new Database(':memory:');
      const live = new Behaviour();
      live.onHandled = projection(liveDb);
      await app(
        {
          servers: server.url,
          ...names,
          consume: { durable: 'live', events: [OrderPlaced, OrderShipped], deliver: 'new' },
        },
        live,
      );
      const publisher = await app(
        { servers: server.url, ...names, publish: [OrderPlaced, OrderShipped] },
        new Behaviour(),
        {
          handlers: false,
        },
      );
      const eventBus = publisher.get(EventBus);
      for (let i = 0; i < 50; i++)
        await eventBus.publish(new OrderPlaced(`o-${String(i).padStart(2, '0')}`, i));
      const halfway = new Date();
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let i = 0; i < 50; i += 2)
        await eventBus.publish(new OrderShipped(`o-${String(i).padStart(2, '0')}`));
      await eventually(() => live.deliveries.length === 75, 'the live projection');

      const rebuiltDb = new Database(':memory:');
      const rebuilt = new Behaviour();
      rebuilt.onHandled = projection(rebuiltDb);
      await app(
        {
          servers: server.url,
          ...names,
          consume: { durable: 'rebuild', events: [OrderPlaced, OrderShipped], deliver: 'all' },
        },
        rebuilt,
      );
      await eventually(() => rebuilt.deliveries.length === 75, 'the replay');
      expect(rows(rebuiltDb)).toHaveLength(50);
      expect(rows(rebuiltDb)).toEqual(rows(liveDb));

      const fromNow = new Behaviour();
      await app(
        {
          servers: server.url,
          ...names,
          consume: { durable: 'late', events: [OrderPlaced], deliver: 'new' },
        },
        fromNow,
      );
      const fromTime = new Behaviour();
      await app(
        {
          servers: server.url,
          ...names,
          consume: { durable: 'since', events: [OrderShipped], deliver: halfway },
        },
        fromTime,
      );
      await eventually(() => fromTime.deliveries.length === 25, 'the shipped events since halfway');
      await eventBus.publish(new OrderPlaced('o-late'));
      await eventually(() => fromNow.deliveries.length === 1, 'the one new event');
      expect(fromNow.deliveries[0]!.orderId).toBe('o-late');
    });

    it('with authentication, published events are signed and a consumer parks unsigned ones at once', async () => {
      const names = freshStream();
      const key = { id: 'k1', secret: 'a secret of at least thirty-two bytes!' };
      const behaviour = new Behaviour();
      const parked: ParkedEvent[] = [];
      await app(
        {
          servers: server.url,
          ...names,
          authentication: { verificationKeys: { [key.id]: key.secret } },
          consume: { durable: 'billing', events: [OrderPlaced], onParked: (p) => parked.push(p) },
        },
        behaviour,
      );
      const publisher = await app(
        { servers: server.url, ...names, publish: [OrderPlaced], authentication: { signingKey: key } },
        new Behaviour(),
        { handlers: false },
      );
      await publisher.get(EventBus).publish(new OrderPlaced('o-signed'));
      const subject = `${names.subjectPrefix}.event.js.order-placed`;
      await jetstream(nc).publish(subject, JSON.stringify(envelopeOf('o-unsigned')));

      await eventually(() => behaviour.handledOnce('o-signed') !== undefined, 'the signed event');
      await eventually(() => parked.length === 1, 'the unsigned event parked');
      expect(parked[0]).toMatchObject({ reason: 'invalid-envelope', attempts: 1 });
      expect(behaviour.deliveries.map((d) => d.orderId)).toEqual(['o-signed']);
    });

    it('a handler slower than ackWait is kept in progress: no other replica gets it while it runs', async () => {
      const names = freshStream();
      const behaviour = new Behaviour();
      behaviour.delays.set('o-slow', 1_500);
      const options = {
        servers: server.url,
        ...names,
        consume: { durable: 'slow', events: [OrderPlaced], ackWait: 400 },
      };
      // Two replicas of one service, sharing its durable consumer.
      await app(options, behaviour);
      await app(options, behaviour);
      const envelope = envelopeOf('o-slow');
      await jetstream(nc).publish(`${names.subjectPrefix}.event.js.order-placed`, JSON.stringify(envelope));
      await eventually(() => behaviour.handledOnce('o-slow') !== undefined, 'the slow event');
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(behaviour.deliveries.map((d) => d.attempt)).toEqual(['1']);
    });

    it('options that cannot work fail init saying which', async () => {
      await expect(jetStreamApp({ publish: [OrderPlaced] })).rejects.toThrow(JetStreamOptionsError);
      await expect(
        jetStreamApp({
          servers: server.url,
          ...freshStream(),
          consume: { durable: 'a.b', events: [OrderPlaced] },
        }),
      ).rejects.toThrow(/consume\.durable/);
    });
  },
);

let counter = 0;
function envelopeOf(orderId: string) {
  return {
    id: `env-${orderId}-${++counter}`,
    name: 'js.order-placed',
    version: 1,
    kind: 'event',
    correlationId: `corr-${orderId}`,
    timestamp: new Date().toISOString(),
    headers: {} as Record<string, string>,
    payload: { orderId, amount: 1 },
  };
}
