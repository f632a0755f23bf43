import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Module, type INestApplication } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { CqrsLiteModule, Message, Query, QueryBus } from '../../lib/index.js';
import {
  CqrsRemoteModule,
  RemoteTimeoutError,
  TransportUnavailableError,
} from '../../lib/transport/index.js';
import { assertBuilt, repoRoot } from '../package/built-package.js';
import { describeWithServer, startServer, type TestServer } from './servers.js';

@Message({ name: 'process.who-answers' })
class WhoAnswers extends Query<{ pid: number; correlationId: string; headers: Record<string, string> }> {}

@Message({ name: 'process.sleep' })
class Sleep extends Query<number> {
  constructor(readonly ms: number) {
    super();
  }
}

/** Starts test/transport/receiver-process.mjs and resolves once it is subscribed. */
function startReceiver(url: string, prefix: string): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./receiver-process.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', NATS_URL: url, CQRS_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => String(chunk).includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}: ${stderr}`)));
  });
}

describeWithServer('nats')('a receiver in another process (the built package, plain JavaScript)', () => {
  let server: TestServer;
  let receiver: ChildProcess;
  let sender: INestApplication;
  let queryBus: QueryBus;

  beforeAll(async () => {
    assertBuilt();
    server = await startServer('nats');
    const prefix = `process-${randomUUID()}`;
    receiver = await startReceiver(server.url, prefix);

    @Module({
      imports: [
        CqrsLiteModule.forRoot(),
        ClientsModule.register([
          { name: 'WORKER', transport: Transport.NATS, options: { servers: [server.url] } },
        ]),
        CqrsRemoteModule.forRoot({
          client: 'WORKER',
          queries: [WhoAnswers, Sleep],
          timeout: 1_000,
          subjectPrefix: prefix,
        }),
      ],
    })
    class SenderModule {}
    const ref = await Test.createTestingModule({ imports: [SenderModule] }).compile();
    sender = ref.createNestApplication({ logger: false });
    await sender.init();
    queryBus = sender.get(QueryBus);
  }, 15_000);

  afterAll(async () => {
    if (receiver && receiver.exitCode === null && receiver.signalCode === null) receiver.kill('SIGKILL');
    await sender?.close();
    await server?.stop();
  });

  it('answers from the other process, with the sender’s correlation and headers', async () => {
    const answer = await queryBus.ask(new WhoAnswers(), {
      correlationId: 'corr-p',
      headers: { 'x-user': 'ann' },
    });
    expect(answer.pid).toBe(receiver.pid);
    expect(answer.pid).not.toBe(process.pid);
    expect(answer.correlationId).toBe('corr-p');
    expect(answer.headers).toEqual({ 'x-user': 'ann', 'cqrs-transport': 'nats' });
    await expect(queryBus.ask(new Sleep(20))).resolves.toBe(20);
  });

  it('SIGKILL of the receiver: the query in flight times out, the next one fails at once', async () => {
    const started = Date.now();
    const inFlight = queryBus.ask(new Sleep(2_000)).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => {
      receiver.once('exit', resolve);
      receiver.kill('SIGKILL');
    });

    expect(await inFlight).toBeInstanceOf(RemoteTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);

    const next = Date.now();
    const error = await queryBus.ask(new WhoAnswers()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect((error as Error).message).toContain('no process serves');
    expect(Date.now() - next).toBeLessThan(200);
  });
});
