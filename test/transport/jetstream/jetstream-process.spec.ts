import type { INestApplication } from '@nestjs/common';
import { Message, EventBus } from '../../../lib/index.js';
import { assertBuilt } from '../../package/built-package.js';
import {
  Deliveries,
  serviceProject,
  startEventService,
  type ServiceProject,
  type HandledLine,
  type ServiceProcess,
} from '../event-services.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import { CqrsJetStreamEvents } from '../../../lib/transport/jetstream/index.js';
import { freshStream, jetStreamApp } from './jetstream-apps.js';

@Message({ name: 'proc.order-placed' })
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

/** Every delivery of one id after its first must say it is a redelivery (a higher attempt). */
function expectRedeliveriesMarked(lines: HandledLine[]): number {
  const byId = new Map<string, number[]>();
  for (const line of lines) byId.set(line.orderId, [...(byId.get(line.orderId) ?? []), line.attempt!]);
  let duplicates = 0;
  for (const [, attempts] of byId) {
    for (let i = 1; i < attempts.length; i++) {
      duplicates++;
      expect(attempts[i]).toBeGreaterThan(attempts[i - 1]!);
    }
  }
  return duplicates;
}

describeWithServer('nats')('JetStream events across crashes (separate processes, the packed package)', () => {
  const apps: INestApplication[] = [];
  const services: ServiceProcess[] = [];

  let project: ServiceProject;

  beforeAll(() => {
    assertBuilt();
    project = serviceProject();
  }, 60_000);

  afterAll(() => project?.remove());

  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.kill()));
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('2,000 events, the consumer SIGKILLed mid-batch and restarted: none lost, every duplicate a visible redelivery', async () => {
    const server = await startServer('nats');
    try {
      const names = freshStream();
      const deliveries = new Deliveries();
      const env = {
        MODE: 'jetstream' as const,
        NATS_URL: server.url,
        PREFIX: names.subjectPrefix,
        STREAM: names.stream,
        SERVICE: 'billing',
        SLOW_MS: '1',
      };
      const publisher = await jetStreamApp(
        { servers: server.url, ...names, publish: [OrderPlaced] },
        undefined,
        {
          handlers: false,
        },
      );
      apps.push(publisher);
      const first = await startEventService(project, env, deliveries);
      services.push(first);

      const eventBus = publisher.get(EventBus);
      const ids = Array.from({ length: 2_000 }, (_, i) => `o-${i}`);
      const publishing = (async () => {
        for (let i = 0; i < ids.length; i += 50) {
          await Promise.all(ids.slice(i, i + 50).map((id) => eventBus.publish(new OrderPlaced(id))));
        }
      })();

      await deliveries.until(() => deliveries.lines.length >= 400, '400 deliveries before the crash');
      await first.kill();
      const handledBeforeCrash = deliveries.distinct().size;
      expect(handledBeforeCrash).toBeLessThan(2_000);
      services.push(await startEventService(project, env, deliveries));
      await publishing;

      await deliveries.until(
        () => deliveries.distinct().size === 2_000,
        'all 2,000 events after the restart',
        60_000,
      );
      expect(deliveries.distinct()).toEqual(new Set(ids));
      // Redelivered after the crash: handled-but-unacknowledged and fetched-ahead events.
      expect(deliveries.lines.some((line) => line.attempt! > 1)).toBe(true);
      const duplicates = expectRedeliveriesMarked(deliveries.lines);
      expect(deliveries.lines.length).toBe(2_000 + duplicates);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('nats-server (file storage) SIGKILLed and restarted mid-publish: every publish that resolved is delivered', async () => {
    const server = await startServer('nats', { own: true });
    try {
      const names = freshStream();
      const deliveries = new Deliveries();
      services.push(
        await startEventService(
          project,
          {
            MODE: 'jetstream',
            NATS_URL: server.url,
            PREFIX: names.subjectPrefix,
            STREAM: names.stream,
            SERVICE: 'mailer',
          },
          deliveries,
        ),
      );
      const publisher = await jetStreamApp(
        { servers: server.url, ...names, publish: [OrderPlaced], publishTimeout: 10_000 },
        undefined,
        { handlers: false },
      );
      apps.push(publisher);
      const eventBus = publisher.get(EventBus);
      const resolved: string[] = [];
      const rejected: string[] = [];
      let crashed = false;
      const lanes = Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < 800; i += 8) {
          const id = `o-${i}`;
          await eventBus.publish(new OrderPlaced(id)).then(
            () => resolved.push(id),
            () => rejected.push(id),
          );
        }
      });
      const crash = (async () => {
        while (resolved.length < 250) await new Promise((resolve) => setTimeout(resolve, 5));
        await server.restart!();
        crashed = true;
      })();
      await Promise.all([...lanes, crash]);
      expect(crashed).toBe(true);
      expect(resolved.length + rejected.length).toBe(800);
      expect(resolved.length).toBeGreaterThan(250);

      await deliveries.until(
        () => resolved.every((id) => deliveries.distinct().has(id)),
        'every resolved publish delivered',
        60_000,
      );
      // Retries during the outage carried the same Nats-Msg-Id: each event is stored once at most.
      const info = await publisher
        .get(CqrsJetStreamEvents)
        .stream.jetStreamManager()
        .streams.info(names.stream);
      expect(info.state.messages).toBeGreaterThanOrEqual(resolved.length);
      expect(info.state.messages).toBeLessThanOrEqual(800);
      // A server crash can roll the consumer's state back to its last flush, so an event may come
      // again even with attempt 1: the same context.id is what identifies it (idempotent handlers).
      const idOf = new Map<string, string>();
      for (const line of deliveries.lines) {
        expect(idOf.get(line.orderId) ?? line.id).toBe(line.id);
        idOf.set(line.orderId, line.id);
      }
    } finally {
      await server.stop();
    }
  }, 90_000);
});
