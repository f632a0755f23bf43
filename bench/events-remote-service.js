/**
 * The receiving side of bench/events-remote.js, in a process of its own: for every event it
 * handles — through nestjs-cqrs-lite (NATS fan-out and a JetStream durable consumer) or raw (a
 * plain NATS subscription and a raw JetStream consumer of the same bytes) — it publishes the
 * event's order id on `<prefix>.ack`, so that the measuring process sees when the handler ran.
 * Prints "ready" once everything is subscribed.
 */
import 'reflect-metadata';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NestFactory } from '@nestjs/core';
import { Controller } from '@nestjs/common';
import { EventPattern, Transport } from '@nestjs/microservices';
import { CqrsLiteModule, EventsHandler } from 'nestjs-cqrs-lite';
import { CqrsRemoteModule } from 'nestjs-cqrs-lite/transport';
import { CqrsJetStreamModule } from 'nestjs-cqrs-lite/transport/jetstream';
import { FannedOut, Stored } from './events-remote-messages.js';
import { rootModule } from './fixtures.js';

const { NATS_URL, PREFIX } = process.env;
const nc = await connect({ servers: NATS_URL });
const ack = (orderId) => nc.publish(`${PREFIX}.ack`, orderId);

/** Nest's own event transport without our layer: a bare @EventPattern on the same bytes. */
class BareEventController {
  receive(envelope) {
    ack(envelope.payload.orderId);
  }
}
Reflect.decorate([Controller()], BareEventController);
Reflect.decorate(
  [EventPattern(`${PREFIX}.nest.event`)],
  BareEventController.prototype,
  'receive',
  Object.getOwnPropertyDescriptor(BareEventController.prototype, 'receive'),
);

class AckHandler {
  handle(event) {
    ack(event.orderId);
  }
}
EventsHandler(FannedOut, Stored)(AckHandler);

const app = await NestFactory.createMicroservice(
  rootModule('BenchEventService', {
    imports: [
      CqrsLiteModule.forRoot(),
      CqrsRemoteModule.serve({ events: [FannedOut], subjectPrefix: PREFIX }),
      CqrsJetStreamModule.forRoot({
        servers: NATS_URL,
        stream: 'BENCH_EVENTS',
        subjectPrefix: PREFIX,
        consume: { durable: 'bench', events: [Stored], deliver: 'new' },
      }),
    ],
    controllers: [BareEventController],
    providers: [AckHandler],
  }),
  { transport: Transport.NATS, options: { servers: [NATS_URL] }, logger: false },
);
await app.listen();

// Raw baselines: the same bytes, parsed, then acknowledged.
nc.subscribe(`${PREFIX}.raw.event`, { callback: (_error, msg) => ack(msg.json().payload.orderId) });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: 'BENCH_RAW', subjects: [`${PREFIX}.raw.stored`], storage: 'file' });
await jsm.consumers.add('BENCH_RAW', {
  durable_name: 'raw',
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.New,
});
const raw = await (await jetstream(nc).consumers.get('BENCH_RAW', 'raw')).consume({ max_messages: 32 });
(async () => {
  for await (const msg of raw) {
    ack(msg.json().payload.orderId);
    msg.ack();
  }
})();
process.stdout.write('ready\n');
