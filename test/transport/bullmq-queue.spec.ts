import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  DuplicateHandlerError,
  HandlerNotFoundError,
  MessageValidationError,
  type MessageContext,
} from '../../lib/index.js';
import {
  ATTEMPT_HEADER,
  CqrsQueueModule,
  CqrsQueueSender,
  RemoteError,
  RemoteHandlerNotFoundError,
  RemoteTimeoutError,
  queueHeaders,
} from '../../lib/transport/bullmq/index.js';
import {
  ArchiveOrder,
  PlaceOrder,
  ShipOrder,
  SlowCommand,
  eventually,
  probe,
  startSender,
  startWorker,
  uniqueQueue,
  type WorkerLog,
} from './bullmq-apps.js';
import { describeWithServer, startServer, type TestServer } from './servers.js';

const FAST_RETRY = { attempts: 2, backoff: { type: 'fixed' as const, delay: 50 } };

describeWithServer('redis')('durable commands over BullMQ', () => {
  let server: TestServer;
  const closing: Array<{ close(): Promise<unknown> }> = [];
  const track = <T extends { close(): Promise<unknown> }>(thing: T): T => {
    closing.push(thing);
    return thing;
  };

  beforeAll(async () => {
    server = await startServer('redis');
  });
  afterEach(async () => {
    for (const thing of closing.splice(0).reverse()) await thing.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('accepting (no worker on the queue)', () => {
    let queueName: string;
    let sender: INestApplicationContext;
    let jobs: Queue;

    beforeEach(async () => {
      queueName = uniqueQueue('accept');
      sender = track(await startSender({ queue: queueName, connection: { url: server.url } }));
      jobs = track(probe(queueName, server.url));
    });

    it('resolves once Redis has the job: the envelope is its data, the dispatch id its job id', async () => {
      const commandBus = sender.get(CommandBus);
      let id = '';
      commandBus.use((_message, next, context) => {
        id = context.id;
        return next();
      });

      await expect(
        commandBus.dispatch(new PlaceOrder('o-1', 2), {
          correlationId: 'corr-1',
          headers: { user: 'ada', ...queueHeaders({ timeout: 2_000 }) },
        }),
      ).resolves.toBeUndefined();

      const job = await jobs.getJob(id);
      expect(job).toBeDefined();
      expect(await job!.getState()).toBe('waiting');
      expect(job!.name).toBe('orders.place');
      expect(job!.data).toEqual({
        id,
        name: 'orders.place',
        version: 1,
        kind: 'command',
        correlationId: 'corr-1',
        timestamp: expect.any(String),
        headers: { user: 'ada' }, // the queue's own headers are not forwarded
        payload: { orderId: 'o-1', quantity: 2 },
      });
      expect(job!.opts).toMatchObject({
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 86400 },
      });
    });

    it('does not enqueue a re-sent envelope twice (same envelope id, same job id)', async () => {
      const commandBus = sender.get(CommandBus);
      const envelope = commandBus.toEnvelope(new PlaceOrder('o-2', 1));

      await commandBus.dispatchEnvelope(envelope);
      await commandBus.dispatchEnvelope(JSON.parse(JSON.stringify(envelope)));
      await commandBus.dispatchEnvelope(envelope);

      expect(await jobs.getWaitingCount()).toBe(1);
      expect((await jobs.getJob(envelope.id))?.data.payload).toEqual({ orderId: 'o-2', quantity: 1 });
      // A new dispatch of an equal command is a new message: it is queued.
      await commandBus.dispatch(new PlaceOrder('o-2', 1));
      expect(await jobs.getWaitingCount()).toBe(2);
    });

    it('with waitForCompletion and no worker: RemoteTimeoutError after the timeout, and the job stays queued', async () => {
      const commandBus = sender.get(CommandBus);
      const envelope = commandBus.toEnvelope(new PlaceOrder('o-3', 1), {
        headers: queueHeaders({ waitForCompletion: true, timeout: 300 }),
      });
      const started = Date.now();
      const error = await commandBus.dispatchEnvelope(envelope).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteTimeoutError);
      expect(error).toMatchObject({
        code: 'CQRS_REMOTE_TIMEOUT',
        messageName: 'orders.place',
        timeoutMs: 300,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(await (await jobs.getJob(envelope.id))!.getState()).toBe('waiting');
    });
  });

  describe('with a worker', () => {
    let queueName: string;
    let sender: INestApplicationContext;
    let commandBus: CommandBus;
    let log: WorkerLog;
    let jobs: Queue;

    beforeEach(async () => {
      queueName = uniqueQueue('work');
      const worker = await startWorker({ queue: queueName, connection: { url: server.url } });
      track(worker.app);
      log = worker.log;
      sender = track(
        await startSender({
          queue: queueName,
          connection: { url: server.url },
          waitForCompletion: true,
          timeout: 5_000,
          jobOptions: FAST_RETRY,
        }),
      );
      commandBus = sender.get(CommandBus);
      jobs = track(probe(queueName, server.url));
    });

    it('runs the command through the worker bus: middleware, continued context, sender headers, attempt header', async () => {
      let senderContext: MessageContext | undefined;
      commandBus.use((_message, next, context) => {
        senderContext = context;
        return next();
      });

      await commandBus.dispatch(new PlaceOrder('o-10', 3), {
        correlationId: 'corr-10',
        headers: { user: 'ada', [ATTEMPT_HEADER]: '99' },
      });

      // waitForCompletion: the handler has run when dispatch resolves.
      expect(log.seen.map((s) => s.step)).toEqual(['middleware', 'handler']);
      const [middleware, handler] = log.seen;
      expect(middleware!.context).toBe(handler!.context);
      expect(handler!.message).toBeInstanceOf(PlaceOrder);
      expect(handler!.message).toEqual(new PlaceOrder('o-10', 3));
      expect(handler!.context).toMatchObject({
        kind: 'command',
        messageType: PlaceOrder,
        messageName: 'orders.place',
        id: senderContext!.id,
        correlationId: 'corr-10',
        timestamp: senderContext!.timestamp,
        // the worker's own attempt header wins over one a sender tried to set
        headers: { user: 'ada', [ATTEMPT_HEADER]: '1' },
      });
      expect(await (await jobs.getJob(senderContext!.id))!.getState()).toBe('completed');
    });

    it('resolves as soon as Redis has the job when waitForCompletion is off for the dispatch', async () => {
      await commandBus.dispatch(new SlowCommand(300), {
        headers: queueHeaders({ waitForCompletion: false }),
      });
      expect(log.handled('SlowCommand')).toHaveLength(0);
      await eventually(() => expect(log.handled('SlowCommand')).toHaveLength(1));
    });

    it("a handler's error crosses the wire as a RemoteError with its name, code and message, after the retries", async () => {
      const error = await commandBus.dispatch(new ShipOrder('o-11')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({
        name: 'OutOfStockError',
        code: 'OUT_OF_STOCK',
        message: 'Order o-11: out of stock',
      });
      expect(log.handled('ShipOrder').map((s) => s.context.headers[ATTEMPT_HEADER])).toEqual(['1', '2']);
    });

    it('an invalid command is refused by the sender with MessageValidationError and never queued', async () => {
      const error = await commandBus.dispatch(new PlaceOrder('x', 0)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageValidationError);
      expect((error as MessageValidationError).violations.map((v) => v.property).sort()).toEqual([
        'orderId',
        'quantity',
      ]);
      expect(await jobs.getJobCounts('waiting', 'active', 'completed', 'failed')).toMatchObject({
        waiting: 0,
        active: 0,
        failed: 0,
      });
      expect(log.seen).toHaveLength(0);
    });

    it('a validation error on the worker arrives as MessageValidationError with its failing properties, not retried', async () => {
      // An envelope that did not pass through the sender's validation (another producer, say).
      const envelope = commandBus.toEnvelope(new PlaceOrder('x', 0));
      const error = await sender
        .get(CqrsQueueSender)
        .commandQueue.send(envelope, { waitForCompletion: true }, PlaceOrder)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageValidationError);
      const validation = error as MessageValidationError;
      expect(validation.messageType).toBe(PlaceOrder);
      expect(validation.violations.map((v) => v.property).sort()).toEqual(['orderId', 'quantity']);
      expect(validation.message).toMatch(/orderId .*quantity/);
      expect(log.handled('orders.place')).toHaveLength(0);
      expect(log.seen.filter((s) => s.step === 'middleware')).toHaveLength(1); // one attempt only
    });

    it('a command the worker has no handler for arrives as RemoteHandlerNotFoundError, not retried', async () => {
      const error = await commandBus.dispatch(new ArchiveOrder('o-12')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteHandlerNotFoundError);
      expect(error).toBeInstanceOf(HandlerNotFoundError);
      expect(error).toMatchObject({
        code: 'CQRS_HANDLER_NOT_FOUND',
        kind: 'command',
        messageType: ArchiveOrder,
      });
      expect((error as Error).message).toContain('ArchiveOrder');
      expect(log.seen).toHaveLength(0);
    });

    it('a re-sent envelope that already ran is not run again; waiting for it gives the first outcome', async () => {
      const envelope = commandBus.toEnvelope(new PlaceOrder('o-13', 1));
      await commandBus.dispatchEnvelope(envelope);
      await commandBus.dispatchEnvelope(envelope);
      expect(log.handled('orders.place')).toHaveLength(1);

      const failing = commandBus.toEnvelope(new ShipOrder('o-14'));
      await expect(commandBus.dispatchEnvelope(failing)).rejects.toMatchObject({ code: 'OUT_OF_STOCK' });
      await expect(commandBus.dispatchEnvelope(failing)).rejects.toMatchObject({ code: 'OUT_OF_STOCK' });
      expect(log.handled('ShipOrder')).toHaveLength(2); // the two attempts of the first send only
    });

    it('a slow job outlasting the timeout gives RemoteTimeoutError, and still completes', async () => {
      const error = await commandBus
        .dispatch(new SlowCommand(600), { headers: queueHeaders({ timeout: 200 }) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteTimeoutError);
      await eventually(() => expect(log.handled('SlowCommand')).toHaveLength(1));
    });
  });

  it('fails init with DuplicateHandlerError when a queued command also has a local handler', async () => {
    @CommandHandler(PlaceOrder)
    class LocalPlaceOrder {
      execute(): void {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsQueueModule.forRoot({
          queue: uniqueQueue('dup'),
          connection: { url: server.url },
          commands: [PlaceOrder],
        }),
      ],
      providers: [LocalPlaceOrder],
    }).compile();
    const connection = moduleRef.get(CqrsQueueSender).commandQueue.queue.opts.connection as {
      status: string;
    };
    await expect(moduleRef.init()).rejects.toBeInstanceOf(DuplicateHandlerError);
    // The sender closes its own connection when its init fails: Nest 11 runs no shutdown hook
    // after a failed init (its close() rethrows the init error), Nest 12 does.
    await eventually(() => expect(connection.status).toBe('end'));
    await moduleRef.close().catch((error: unknown) => expect(error).toBeInstanceOf(DuplicateHandlerError));
  });
});
