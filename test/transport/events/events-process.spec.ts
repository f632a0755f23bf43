import { randomUUID } from 'node:crypto';
import { Module, type INestApplication } from '@nestjs/common';
import { ClientsModule, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { CqrsLiteModule, EventBus, Message } from '../../../lib/index.js';
import { CqrsRemoteModule } from '../../../lib/transport/index.js';
import { assertBuilt } from '../../package/built-package.js';
import {
  Deliveries,
  serviceProject,
  startEventService,
  type ServiceProject,
  type ServiceProcess,
} from '../event-services.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';

@Message({ name: 'proc.order-placed' })
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

@Message({ name: 'proc.order-refunded' })
class OrderRefunded {
  constructor(readonly orderId: string) {}
}

describeWithServer('nats')(
  'events fanned out to services in other processes (the packed package, plain JavaScript)',
  () => {
    let server: TestServer;
    let publisher: INestApplication;
    let raw: ClientProxy;
    const deliveries = new Deliveries();
    const services: ServiceProcess[] = [];
    const prefix = `proc-${randomUUID().slice(0, 8)}`;

    let project: ServiceProject;

    beforeAll(async () => {
      assertBuilt();
      project = serviceProject();
      server = await startServer('nats');
      const env = { MODE: 'fanout' as const, NATS_URL: server.url, PREFIX: prefix };
      services.push(
        ...(await Promise.all([
          startEventService(project, { ...env, SERVICE: 'billing' }, deliveries),
          startEventService(project, { ...env, SERVICE: 'billing' }, deliveries),
          startEventService(project, { ...env, SERVICE: 'mailer' }, deliveries),
        ])),
      );

      @Module({
        imports: [
          CqrsLiteModule.forRoot(),
          ClientsModule.register([
            { name: 'EVENTS', transport: Transport.NATS, options: { servers: [server.url] } },
            { name: 'RAW', transport: Transport.NATS, options: { servers: [server.url] } },
          ]),
          CqrsRemoteModule.forRoot({
            client: 'EVENTS',
            events: [OrderPlaced, OrderRefunded],
            subjectPrefix: prefix,
          }),
        ],
      })
      class PublisherModule {}
      const ref = await Test.createTestingModule({ imports: [PublisherModule] }).compile();
      publisher = ref.createNestApplication({ logger: false });
      await publisher.init();
      raw = publisher.get('RAW');
    }, 30_000);

    afterAll(async () => {
      project?.remove();
      await Promise.all(services.map((service) => service.kill()));
      await publisher?.close();
      await server?.stop();
    });

    it('every event reaches each service once: two billing replicas share them, the mailer gets all', async () => {
      const eventBus = publisher.get(EventBus);
      const ids = Array.from({ length: 300 }, (_, i) => `o-${i}`);
      for (const id of ids) await eventBus.publish(new OrderPlaced(id));

      const [billing1, billing2, mailer] = services.map((service) => service.child.pid!);
      const billing = [billing1!, billing2!];
      await deliveries.until(
        () => deliveries.distinct(billing).size === 300 && deliveries.distinct([mailer!]).size === 300,
        'every event at both services',
        20_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const byBilling = deliveries.lines.filter((line) => billing.includes(line.pid));
      expect(byBilling).toHaveLength(300);
      expect(deliveries.lines.filter((line) => line.pid === mailer)).toHaveLength(300);
      // Both replicas took a share, through the queue group.
      expect(byBilling.some((line) => line.pid === billing1)).toBe(true);
      expect(byBilling.some((line) => line.pid === billing2)).toBe(true);
      // The receiver's context.id is the publish's id: idempotent handlers can key on it.
      expect(new Set(byBilling.map((line) => line.id)).size).toBe(300);
    }, 30_000);

    it('unknown names are refused: an event nobody serves, and a served subject carrying another name', async () => {
      deliveries.lines.length = 0;
      const eventBus = publisher.get(EventBus);
      await eventBus.publish(new OrderRefunded('o-refund'));
      const smuggled = eventBus.toEnvelope(new OrderRefunded('o-smuggled'));
      await firstValueFrom(raw.emit(`${prefix}.event.proc.order-placed`, smuggled), {
        defaultValue: undefined,
      });
      await eventBus.publish(new OrderPlaced('o-after'));
      await deliveries.until(
        () => deliveries.distinct().has('o-after') && deliveries.lines.length >= 2,
        'o-after',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([...deliveries.distinct()]).toEqual(['o-after']);
    }, 30_000);
  },
);
