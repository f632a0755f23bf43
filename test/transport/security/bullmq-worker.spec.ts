/**
 * The BullMQ worker attacked through Redis (issue 17 items 5 and 12): raw jobs written with a
 * plain BullMQ Queue, as anyone with access to Redis could. The worker runs only the commands it
 * lists, bound to the job's name, with untrusted headers dropped; a re-send reusing an id for
 * another command is refused; signed queues refuse unsigned jobs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Job, Queue } from 'bullmq';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  Message,
  type MessageContext,
} from '../../../lib/index.js';
import {
  CqrsQueueModule,
  CqrsQueueSender,
  EnvelopeConflictError,
  type CqrsQueueWorkerModuleOptions,
} from '../../../lib/transport/bullmq/index.js';
import { MessageAuthenticator } from '../../../lib/transport/index.js';
import { eventually, probe, uniqueQueue } from '../bullmq-apps.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';

@Message({ name: 'accounts.credit' })
class Credit {
  constructor(
    readonly account: string,
    readonly cents: number,
  ) {}
}

/** Registered on the worker's bus for local use, never routed to the queue. */
@Message({ name: 'accounts.wipe' })
class Wipe {}

const ran: Array<{ name: string; message: object; context: MessageContext }> = [];

@Injectable()
@CommandHandler(Credit)
class CreditHandler {
  execute(command: Credit, context: MessageContext) {
    ran.push({ name: 'accounts.credit', message: command, context });
  }
}

@Injectable()
@CommandHandler(Wipe)
class WipeHandler {
  execute(command: Wipe, context: MessageContext) {
    ran.push({ name: 'accounts.wipe', message: command, context });
  }
}

async function startWorker(options: CqrsQueueWorkerModuleOptions): Promise<INestApplicationContext> {
  @Module({
    imports: [CqrsLiteModule.forRoot(), CqrsQueueModule.worker(options)],
    providers: [CreditHandler, WipeHandler],
  })
  class WorkerModule {}
  const ref = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
  return ref.init();
}

const envelopeFor = (
  name: string,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
) => {
  const id = randomUUID();
  return {
    id,
    name,
    version: 1,
    kind: 'command',
    correlationId: id,
    timestamp: new Date().toISOString(),
    headers,
    payload,
  };
};

/** Waits for a raw job to finish; resolves to its state and failedReason. */
async function outcome(job: Job, jobs: Queue): Promise<{ state: string; reason: string }> {
  let state = '';
  await eventually(async () => {
    state = await job.getState();
    if (state !== 'completed' && state !== 'failed') throw new Error(`still ${state}`);
  });
  const fresh = await jobs.getJob(job.id!);
  return { state, reason: String((fresh ?? job).failedReason ?? '') };
}

describeWithServer('redis')('a BullMQ worker against raw jobs', () => {
  let server: TestServer;
  const closing: Array<{ close(): Promise<unknown> }> = [];
  const track = <T extends { close(): Promise<unknown> }>(thing: T): T => (closing.push(thing), thing);

  beforeAll(async () => {
    server = await startServer('redis');
  });
  beforeEach(() => (ran.length = 0));
  afterEach(async () => {
    for (const thing of closing.splice(0).reverse()) await thing.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('17.5: the worker refuses to run a command it does not list, even one registered on its bus; and a job whose name differs from its envelope', async () => {
    const queue = uniqueQueue('allow');
    track(await startWorker({ queue, commands: [Credit], connection: { url: server.url } }));
    const jobs: Queue = track(probe(queue, server.url));
    const wipe = await jobs.add('accounts.wipe', envelopeFor('accounts.wipe', {}), { jobId: randomUUID() });
    const renamed = await jobs.add('accounts.credit', envelopeFor('accounts.wipe', {}), {
      jobId: randomUUID(),
    });
    const wipeOutcome = await outcome(wipe, jobs);
    expect(wipeOutcome.state).toBe('failed');
    expect(JSON.parse(wipeOutcome.reason)).toMatchObject({ code: 'CQRS_INVALID_ENVELOPE' });
    expect(JSON.parse(wipeOutcome.reason).message).toContain('is not a command this bullmq receiver serves');
    const renamedOutcome = await outcome(renamed, jobs);
    expect(JSON.parse(renamedOutcome.reason).message).toContain("must be 'accounts.credit'");
    expect(ran).toHaveLength(0);
    // Refusals are final: not retried.
    expect((await jobs.getJob(wipe.id!))!.attemptsMade).toBeLessThanOrEqual(1);
  });

  it('17.5: forged headers on a raw job are dropped unless allowed; the handler sees origin remote and transport bullmq', async () => {
    const queue = uniqueQueue('headers');
    track(
      await startWorker({
        queue,
        commands: [Credit],
        allowHeaders: ['x-tenant'],
        connection: { url: server.url },
      }),
    );
    const jobs: Queue = track(probe(queue, server.url));
    const job = await jobs.add(
      'accounts.credit',
      envelopeFor(
        'accounts.credit',
        { account: 'a', cents: 1 },
        { 'x-role': 'admin', 'x-tenant': 't1', 'cqrs-attempt': '99' },
      ),
      { jobId: randomUUID() },
    );
    expect((await outcome(job, jobs)).state).toBe('completed');
    expect(ran[0]!.context.origin).toBe('remote');
    expect(ran[0]!.context.headers).toEqual({
      'x-tenant': 't1',
      'cqrs-attempt': '1',
      'cqrs-transport': 'bullmq',
    });
  });

  it('17.12: re-sending a known envelope id with another payload rejects with EnvelopeConflictError; the same envelope again is accepted', async () => {
    const queue = uniqueQueue('conflict');
    const ref = await Test.createTestingModule({
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsQueueModule.forRoot({ queue, commands: [Credit], connection: { url: server.url } }),
      ],
    }).compile();
    const sender = track(await ref.init());
    const commandQueue = sender.get(CqrsQueueSender).commandQueue;
    const jobs: Queue = track(probe(queue, server.url));
    const envelope = sender.get(CommandBus).toEnvelope(new Credit('a', 5));
    await commandQueue.send(envelope);
    await commandQueue.send(envelope);
    const error = await commandQueue
      .send({ ...envelope, payload: { account: 'a', cents: 5_000_000 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvelopeConflictError);
    expect((error as Error).message).toContain('was not queued');
    expect((await jobs.getJob(envelope.id))!.data.payload).toEqual({ account: 'a', cents: 5 });
    expect(await jobs.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('17.4: a signed queue: unsigned raw jobs are refused unrun, the sender’s signed jobs run and their signed completion is verified', async () => {
    const queue = uniqueQueue('signed');
    const key = { id: 'q1', secret: randomBytes(32) };
    track(
      await startWorker({
        queue,
        commands: [Credit],
        connection: { url: server.url },
        authentication: { signingKey: key },
      }),
    );
    const jobs: Queue = track(probe(queue, server.url));
    const forged = await jobs.add(
      'accounts.credit',
      envelopeFor('accounts.credit', { account: 'a', cents: 1 }),
      { jobId: randomUUID() },
    );
    const forgedOutcome = await outcome(forged, jobs);
    expect(JSON.parse(forgedOutcome.reason)).toMatchObject({ code: 'CQRS_UNAUTHENTICATED' });
    const wrongKey = new MessageAuthenticator({ signingKey: { id: 'q1', secret: randomBytes(32) } }, 'test');
    const badlySigned = await jobs.add(
      'accounts.credit',
      wrongKey.signEnvelope(envelopeFor('accounts.credit', { account: 'a', cents: 1 })),
      { jobId: randomUUID() },
    );
    expect(JSON.parse((await outcome(badlySigned, jobs)).reason)).toMatchObject({
      code: 'CQRS_UNAUTHENTICATED',
    });
    expect(ran).toHaveLength(0);

    const ref = await Test.createTestingModule({
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsQueueModule.forRoot({
          queue,
          commands: [Credit],
          connection: { url: server.url },
          waitForCompletion: true,
          authentication: { signingKey: key },
        }),
      ],
    }).compile();
    const sender = track(await ref.init());
    await sender.get(CommandBus).dispatch(new Credit('b', 2));
    expect(ran.map((r) => r.message)).toEqual([new Credit('b', 2)]);
  });

  it('a worker without a commands list fails at configuration, naming the option', async () => {
    await expect(
      startWorker({
        queue: uniqueQueue('none'),
        connection: { url: server.url },
      } as unknown as CqrsQueueWorkerModuleOptions),
    ).rejects.toThrow(/needs commands/);
  });
});
