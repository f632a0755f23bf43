import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Test } from '@nestjs/testing';
import { QueueEvents } from 'bullmq';
import { CommandBus, CqrsLiteModule } from '../../lib/index.js';
import {
  CqrsQueueModule,
  RemoteTimeoutError,
  TransportUnavailableError,
  queueHeaders,
} from '../../lib/transport/bullmq/index.js';
import { assertBuilt, repoRoot } from '../package/built-package.js';
import { PlaceOrder, eventually, probe, startSender, startWorker, uniqueQueue } from './bullmq-apps.js';
import { describeWithServer, startServer } from './servers.js';

/** Same name as the fixture's class: the envelope carries the name, the worker rebuilds its own class. */
class SlowJob {}

/** Starts test/transport/fixtures/bullmq-worker.mjs; resolves once its worker runs. */
function startWorkerProcess(env: Record<string, string>): Promise<{ child: ChildProcess; output: string[] }> {
  const script = fileURLToPath(new URL('./fixtures/bullmq-worker.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output.push(...String(chunk).trim().split('\n'));
      if (output.includes('ready')) resolve({ child, output });
    });
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}): ${stderr}`)));
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

describeWithServer('redis')('no loss on the durable path', () => {
  const closing: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  it('a worker SIGKILLed mid-job: the job runs again in a new worker, the caller sees exactly one completion', async () => {
    assertBuilt();
    const server = await startServer('redis');
    closing.push(() => server.stop());
    const queue = uniqueQueue('sigkill');
    const dir = mkdtempSync(join(tmpdir(), 'cqrs-bullmq-'));
    closing.push(async () => rmSync(dir, { recursive: true, force: true }));
    const runsFile = join(dir, 'runs.jsonl');
    const env = {
      REDIS_URL: server.url,
      QUEUE: queue,
      RUNS_FILE: runsFile,
      LOCK_MS: '1000',
      STALLED_MS: '500',
    };

    const first = await startWorkerProcess({ ...env, HANDLER_MS: '60000' });
    closing.push(() => kill(first.child, 'SIGKILL'));
    const ref = await Test.createTestingModule({
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsQueueModule.forRoot({
          queue,
          connection: { url: server.url },
          commands: [SlowJob],
          waitForCompletion: true,
          timeout: 20_000,
        }),
      ],
    }).compile();
    const sender = await ref.init();
    closing.push(() => sender.close());
    const events = new QueueEvents(queue, { connection: { url: server.url } });
    events.on('error', () => undefined);
    closing.push(() => events.close());
    await events.waitUntilReady();
    const completions: string[] = [];
    events.on('completed', ({ jobId }) => completions.push(jobId));

    let outcome: 'pending' | 'resolved' | 'rejected' = 'pending';
    const dispatched = sender
      .get(CommandBus)
      .dispatch(new SlowJob())
      .then(
        () => (outcome = 'resolved'),
        (error: unknown) => {
          outcome = 'rejected';
          throw error;
        },
      );

    await eventually(() => expect(first.output.some((line) => line.startsWith('running'))).toBe(true));
    await kill(first.child, 'SIGKILL');
    expect(outcome).toBe('pending');

    const second = await startWorkerProcess({ ...env, HANDLER_MS: '100' });
    closing.push(() => kill(second.child, 'SIGKILL'));
    await dispatched;

    const runs = readFileSync(runsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { pid: number; id: string; attempt: string });
    expect(runs).toHaveLength(2); // at least once: the handler ran in both workers
    expect(runs.map((r) => r.pid)).toEqual([first.child.pid, second.child.pid]);
    expect(runs[0]!.id).toBe(runs[1]!.id);
    expect(runs.map((r) => r.attempt)).toEqual(['1', '2']);

    const jobs = probe(queue, server.url);
    closing.push(() => jobs.close());
    const job = await jobs.getJob(runs[0]!.id);
    expect(await job!.getState()).toBe('completed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(completions).toEqual([runs[0]!.id]); // exactly one completion
  }, 20_000);

  describe('Redis going away (a server of this test’s own)', () => {
    it('unreachable from the start: TransportUnavailableError at once, nothing hangs', async () => {
      const server = await startServer('redis', { own: true });
      await server.stop(); // a port where nothing listens any more
      const sender = await startSender({
        queue: uniqueQueue('down'),
        connection: { url: server.url },
        timeout: 3_000,
      });
      closing.push(() => sender.close());
      const commandBus = sender.get(CommandBus);

      for (const waitForCompletion of [false, true]) {
        const started = Date.now();
        const error = await commandBus
          .dispatch(new PlaceOrder('o-1', 1), { headers: queueHeaders({ waitForCompletion }) })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransportUnavailableError);
        expect(error).toMatchObject({ code: 'CQRS_TRANSPORT_UNAVAILABLE', messageName: 'orders.place' });
        expect((error as Error).message).toContain(`Redis at 127.0.0.1:${server.port}`);
        expect(Date.now() - started).toBeLessThan(500);
      }
    });

    it('killed: a dispatch fails fast, one waiting for completion ends within its timeout', async () => {
      const server = await startServer('redis', { own: true });
      const sender = await startSender({
        queue: uniqueQueue('killed'),
        connection: { url: server.url },
        timeout: 1_000,
      });
      closing.push(() => sender.close());
      const commandBus = sender.get(CommandBus);
      await commandBus.dispatch(new PlaceOrder('o-1', 1));

      const waiting = commandBus
        .dispatch(new PlaceOrder('o-2', 1), { headers: queueHeaders({ waitForCompletion: true }) })
        .catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const killedAt = Date.now();
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));

      const started = Date.now();
      const error = await commandBus.dispatch(new PlaceOrder('o-3', 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportUnavailableError);
      expect(Date.now() - started).toBeLessThan(200);

      expect(await waiting).toBeInstanceOf(RemoteTimeoutError);
      expect(Date.now() - killedAt).toBeLessThan(1_500);
    });

    it('restarted (appendonly): acknowledged jobs survive, and the sender reconnects', async () => {
      const server = await startServer('redis', { own: true });
      closing.push(() => server.stop());
      const queue = uniqueQueue('restart');
      const sender = await startSender({ queue, connection: { url: server.url }, timeout: 2_000 });
      closing.push(() => sender.close());
      const commandBus = sender.get(CommandBus);
      for (const id of ['o-1', 'o-2', 'o-3']) await commandBus.dispatch(new PlaceOrder(id, 1));

      await server.restart!(); // SIGKILL, then a new redis-server on the same data directory

      await eventually(() => commandBus.dispatch(new PlaceOrder('o-4', 1)), 8_000);
      const { app, log } = await startWorker({ queue, connection: { url: server.url } });
      closing.push(() => app.close());
      await eventually(() => expect(log.handled('orders.place')).toHaveLength(4), 8_000);
      expect(log.handled('orders.place').map((s) => (s.message as PlaceOrder).orderId)).toEqual([
        'o-1',
        'o-2',
        'o-3',
        'o-4',
      ]);
    }, 20_000);
  });
});
