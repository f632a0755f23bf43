/**
 * The throughput cost of a durable Redis for queued commands: `commandBus.dispatch()` of a command
 * routed to a BullMQ queue ("accepted": Redis has the job), against two redis-servers with
 * `appendonly yes`, one with the default `appendfsync everysec` (may lose up to a second of
 * accepted jobs when Redis is killed) and one with `appendfsync always` (fsync before every
 * acknowledgement: lost none in our SIGKILL tests). Run alone: `node bench/queue-fsync.js` (after
 * `npm run build`); prints one JSON line and a summary on stderr.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CqrsLiteModule } from 'nestjs-cqrs-lite';
import { CqrsQueueModule } from 'nestjs-cqrs-lite/transport/bullmq';
import { Ping, rootModule } from './fixtures.js';
import { compare, emit, progress } from './harness.js';
import { startServer } from './servers.js';

const BATCH = 16;

/** A redis-server with appendonly and `appendfsync always`, on a free port. */
async function startAlwaysFsync() {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-always-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  for (;;) {
    const open = await new Promise((resolve) =>
      connect(port, '127.0.0.1')
        .once('connect', function () {
          this.destroy();
          resolve(true);
        })
        .once('error', () => resolve(false)),
    );
    if (open) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const everysec = await startServer('redis', 'the appendfsync comparison');
const always = await startAlwaysFsync();

/** A sender routing Ping to a queue nobody works, on `url`. */
const startSender = (url) =>
  NestFactory.createApplicationContext(
    rootModule('SenderModule', {
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsQueueModule.forRoot({
          queue: 'fsync',
          connection: { url },
          commands: [Ping],
          jobOptions: { removeOnComplete: { age: 60 } },
        }),
      ],
    }),
    { logger: false },
  );
const senders = { everysec: await startSender(everysec.url), always: await startSender(always.url) };
const command = new Ping(1);
const buses = { everysec: senders.everysec.get(CommandBus), always: senders.always.get(CommandBus) };

const result = await compare(
  {
    'dispatch() accepted, appendfsync everysec': async () => {
      for (let i = 0; i < BATCH; i++) await buses.everysec.dispatch(command);
    },
    'dispatch() accepted, appendfsync always': async () => {
      for (let i = 0; i < BATCH; i++) await buses.always.dispatch(command);
    },
  },
  {
    baseline: 'dispatch() accepted, appendfsync everysec',
    rounds: 5,
    time: 400,
    warmupTime: 100,
    iterations: 8,
    batch: BATCH,
    label: 'appendfsync',
  },
);
await senders.everysec.close();
await senders.always.close();
everysec.stop();
always.stop();
for (const [name, c] of Object.entries(result)) {
  progress(
    `${name}: ${(c.ns / 1000).toFixed(1)} µs per dispatch, ${Math.round(1e9 / c.ns)}/s, ×${c.ratio.toFixed(2)}`,
  );
}
emit({ fsync: result });
