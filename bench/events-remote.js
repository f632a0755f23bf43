/**
 * Events across services, measured against the raw engine carrying the same bytes:
 * - NATS fan-out: `eventBus.publish()` of an event listed in `CqrsRemoteModule.forRoot({ events })`
 *   until its handler has run in another process, against a raw NATS publish of the same envelope
 *   JSON to a plain subscription there, and (to show what Nest's transport itself costs) a
 *   `ClientProxy.emit()` of it to a bare `@EventPattern`;
 * - JetStream publish-to-stored: `eventBus.publish()` of an event listed in `publish` (resolves once
 *   stored), against a raw `js.publish()` of the same bytes with a `Nats-Msg-Id`;
 * - JetStream publish-to-handled: the same publish until the handler has run in the other process
 *   (durable consumer, acknowledged after it), against a raw `js.publish()` read by a raw consumer.
 * "Handler has run" is seen here as the other process's ack message on `<prefix>.ack`, in every case,
 * so each latency includes one NATS hop back. One event at a time (latency, not throughput).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { CqrsLiteModule, EventBus } from 'nestjs-cqrs-lite';
import { CqrsRemoteModule } from 'nestjs-cqrs-lite/transport';
import { CqrsJetStreamModule } from 'nestjs-cqrs-lite/transport/jetstream';
import { FannedOut, Stored } from './events-remote-messages.js';
import { rootModule } from './fixtures.js';
import { compare, emit } from './harness.js';
import { startServer } from './servers.js';

/** Events per task iteration: each takes tens to hundreds of microseconds. */
const BATCH = 16;

const nats = await startServer('nats', 'events across services', { jetstream: true });
const prefix = `bench${randomUUID().slice(0, 8)}`;

const service = spawn(
  process.execPath,
  [fileURLToPath(new URL('./events-remote-service.js', import.meta.url))],
  {
    env: { ...process.env, NATS_URL: nats.url, PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
await new Promise((resolve, reject) => {
  service.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve());
  service.once('exit', (code) => reject(new Error(`bench service exited with ${code}`)));
});

const app = await NestFactory.createApplicationContext(
  rootModule('BenchEventPublisher', {
    imports: [
      CqrsLiteModule.forRoot(),
      ClientsModule.register([
        { name: 'EVENTS', transport: Transport.NATS, options: { servers: [nats.url] } },
      ]),
      CqrsRemoteModule.forRoot({ client: 'EVENTS', events: [FannedOut], subjectPrefix: prefix }),
      CqrsJetStreamModule.forRoot({
        servers: nats.url,
        stream: 'BENCH_EVENTS',
        subjectPrefix: prefix,
        publish: [Stored],
      }),
    ],
  }),
  { logger: false },
);
await app.init();
const eventBus = app.get(EventBus);
const client = app.get('EVENTS');
await client.connect();

const nc = await connect({ servers: nats.url });
const js = jetstream(nc);
/** Resolvers of the acks awaited, by order id. */
const waiting = new Map();
nc.subscribe(`${prefix}.ack`, {
  callback: (_error, msg) => {
    const id = msg.string();
    waiting.get(id)?.();
    waiting.delete(id);
  },
});
await nc.flush();
let counter = 0;
const acked = (id) => new Promise((resolve) => waiting.set(id, resolve));

/** The same bytes our layer sends: an envelope the bus made for an event of the same shape. */
const rawBytes = (type, id) => JSON.stringify(eventBus.toEnvelope(new type(id)));

const options = { rounds: 7, time: 300, warmupTime: 150, iterations: 8, batch: BATCH };
const fanOut = await compare(
  {
    'raw NATS publish → subscriber': async () => {
      for (let i = 0; i < BATCH; i++) {
        const id = `r${++counter}`;
        const done = acked(id);
        nc.publish(`${prefix}.raw.event`, rawBytes(FannedOut, id));
        await done;
      }
    },
    'raw ClientProxy.emit() → bare @EventPattern': async () => {
      for (let i = 0; i < BATCH; i++) {
        const id = `n${++counter}`;
        const done = acked(id);
        client.emit(`${prefix}.nest.event`, JSON.parse(rawBytes(FannedOut, id)));
        await done;
      }
    },
    'lite eventBus.publish() → handler (fan-out)': async () => {
      for (let i = 0; i < BATCH; i++) {
        const id = `f${++counter}`;
        const done = acked(id);
        await eventBus.publish(new FannedOut(id));
        await done;
      }
    },
  },
  { ...options, baseline: 'raw NATS publish → subscriber', label: 'fan-out' },
);
const stored = await compare(
  {
    'raw js.publish()': async () => {
      for (let i = 0; i < BATCH; i++) {
        const id = `s${++counter}`;
        await js.publish(`${prefix}.raw.stored`, rawBytes(Stored, id), { msgID: id });
      }
    },
    'lite eventBus.publish() (stored)': async () => {
      for (let i = 0; i < BATCH; i++) await eventBus.publish(new Stored(`t${++counter}`));
    },
  },
  { ...options, baseline: 'raw js.publish()', label: 'jetstream stored' },
);
// The stored-only rounds above were not awaited at the consumer: let it catch up first.
await new Promise((resolve) => setTimeout(resolve, 1_000));
waiting.clear();
const handled = await compare(
  {
    'raw js.publish() → raw consumer': async () => {
      for (let i = 0; i < BATCH; i++) {
        const id = `u${++counter}`;
        const done = acked(id);
        await js.publish(`${prefix}.raw.stored`, rawBytes(Stored, id), { msgID: id });
        await done;
      }
    },
    'lite eventBus.publish() → durable consumer handler': async () => {
      for (let i = 0; i < BATCH; i++) {
        const id = `h${++counter}`;
        const done = acked(id);
        await eventBus.publish(new Stored(id));
        await done;
      }
    },
  },
  { ...options, baseline: 'raw js.publish() → raw consumer', label: 'jetstream handled' },
);

await nc.close();
await app.close();
service.kill('SIGKILL');
nats.stop();
emit({ fanOut, stored, handled });
