/**
 * Durable commands over BullMQ: how long `commandBus.dispatch()` of a command routed to a queue by
 * CqrsQueueModule takes until Redis has the job ("accepted", the default) and until a worker has
 * run it ("completed", `waitForCompletion`), against raw BullMQ doing the same with the same
 * envelope: `queue.add()`, and `queue.add()` + `job.waitUntilFinished()` with a bare Worker. Sender
 * and worker run in this process against a redis-server (appendonly, as in production) started on
 * a free port; without redis-server the group is skipped.
 */
import { NestFactory } from '@nestjs/core';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { CommandBus, CqrsLiteModule } from 'nestjs-cqrs-lite';
import { CqrsQueueModule, queueHeaders } from 'nestjs-cqrs-lite/transport/bullmq';
import { Ping, PingHandler, rootModule } from './fixtures.js';
import { compare, emit } from './harness.js';
import { startServer } from './servers.js';

/** Dispatches per task iteration: one takes a fraction of a millisecond or more. */
const BATCH = 16;

const redis = await startServer('redis', 'the BullMQ queue');
const connection = { url: redis.url };
// Finished jobs are kept for a minute (waiting for completion needs them kept for a while).
const jobOptions = { removeOnComplete: { age: 60 } };

const worker = await NestFactory.createApplicationContext(
  rootModule('WorkerModule', {
    imports: [
      CqrsLiteModule.forRoot(),
      CqrsQueueModule.worker({ queue: 'lite', commands: [Ping], connection }),
    ],
    providers: [PingHandler],
  }),
  { logger: false },
);
/** A sender routing Ping to `queue`. */
const startSender = (queue) =>
  NestFactory.createApplicationContext(
    rootModule('SenderModule', {
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsQueueModule.forRoot({ queue, connection, commands: [Ping], jobOptions }),
      ],
    }),
    { logger: false },
  );
// Accepted: a queue nobody works, as for raw BullMQ, so that no worker competes for Redis.
const acceptingSender = await startSender('lite-accepted');
const sender = await startSender('lite');
const acceptingBus = acceptingSender.get(CommandBus);
const commandBus = sender.get(CommandBus);
const command = new Ping(1);
const completed = { headers: queueHeaders({ waitForCompletion: true }) };

// Raw BullMQ with the same envelope: one queue nobody works (accepted), one with a bare worker.
const envelope = commandBus.toEnvelope(command);
const rawAccepted = new Queue('raw-accepted', { connection });
const rawQueue = new Queue('raw', { connection });
const rawEvents = new QueueEvents('raw', { connection });
const rawWorker = new Worker('raw', async () => ({ ok: true }), { connection });
await Promise.all([rawAccepted.waitUntilReady(), rawQueue.waitUntilReady(), rawEvents.waitUntilReady()]);
// The lite queue's event reader is opened by the first waiting dispatch: not inside a round.
await commandBus.dispatch(command, completed);

const options = { rounds: 7, time: 300, warmupTime: 100, iterations: 8, batch: BATCH };
const accepted = await compare(
  {
    'raw queue.add()': async () => {
      for (let i = 0; i < BATCH; i++) await rawAccepted.add(envelope.name, envelope, jobOptions);
    },
    'lite dispatch() (accepted)': async () => {
      for (let i = 0; i < BATCH; i++) await acceptingBus.dispatch(command);
    },
  },
  { ...options, baseline: 'raw queue.add()', label: 'queue accepted' },
);
const done = await compare(
  {
    'raw add() + waitUntilFinished()': async () => {
      for (let i = 0; i < BATCH; i++) {
        const job = await rawQueue.add(envelope.name, envelope, jobOptions);
        await job.waitUntilFinished(rawEvents, 5_000);
      }
    },
    'lite dispatch() (completed)': async () => {
      for (let i = 0; i < BATCH; i++) await commandBus.dispatch(command, completed);
    },
  },
  { ...options, baseline: 'raw add() + waitUntilFinished()', label: 'queue completed' },
);

await acceptingSender.close();
await sender.close();
await worker.close();
await Promise.all([rawWorker.close(), rawEvents.close(), rawQueue.close(), rawAccepted.close()]);
redis.stop();
emit({ accepted, completed: done });
