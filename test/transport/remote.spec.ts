import {
  CommandBus,
  CqrsError,
  DuplicateHandlerError,
  HandlerNotFoundError,
  MessageValidationError,
  QueryBus,
} from '../../lib/index.js';
import { firstValueFrom } from 'rxjs';
import {
  RemoteError,
  RemoteHandlerNotFoundError,
  RemoteTimeoutError,
  TransportUnavailableError,
  InvalidTimeoutError,
  openReply,
  remoteSubject,
} from '../../lib/transport/index.js';
import {
  ArchiveOrder,
  CancelOrder,
  GetOrder,
  InternalReset,
  PlaceOrder,
  ShipOrder,
  SlowQuery,
  startRemotePair,
  type RemotePair,
} from './remote-apps.js';
import { describeWithServer, startServer, type TestServer } from './servers.js';

/** The rejection of `promise`, and how long it took to arrive. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describeWithServer('nats')('remote commands and queries over NATS (two applications)', () => {
  let server: TestServer;
  let pair: RemotePair;
  let commandBus: CommandBus;
  let queryBus: QueryBus;

  beforeAll(async () => {
    server = await startServer('nats');
    pair = await startRemotePair(server.url, { timeout: 400 });
    commandBus = pair.sender.get(CommandBus);
    queryBus = pair.sender.get(QueryBus);
  });
  afterAll(async () => {
    await pair?.close();
    await server?.stop();
  });

  it('runs a command on the receiver and answers a typed query from it', async () => {
    await expect(
      commandBus.dispatch(new PlaceOrder('o-1', 2), { headers: { 'x-user': 'ann' } }),
    ).resolves.toBeUndefined();
    const order = await queryBus.ask(new GetOrder('o-1'));
    expect(order).toEqual({ orderId: 'o-1', quantity: 2, placedBy: 'ann' });
    // typed through Query<OrderView | undefined>
    const quantity: number | undefined = order?.quantity;
    expect(quantity).toBe(2);
    await expect(queryBus.ask(new GetOrder('nope'))).resolves.toBeUndefined();
  });

  it('continues the sender’s context on the receiver: id, correlation, causation, timestamp, headers', async () => {
    const cause = (await new Promise((resolve) => {
      const local = new CommandBus();
      class Cause {}
      local.register(Cause, (_message, context) => void resolve(context));
      void local.dispatch(new Cause(), { correlationId: 'corr-42' });
    })) as import('../../lib/index.js').MessageContext;
    pair.log.contexts.length = 0;
    pair.senderMiddleware.length = 0;

    await commandBus.dispatch(new PlaceOrder('o-2', 1), { causedBy: cause, headers: { 'x-user': 'bob' } });

    const [received] = pair.log.contexts;
    expect(received).toBeDefined();
    expect(pair.senderMiddleware).toEqual([`orders.place ${received!.id}`]);
    expect(received!.correlationId).toBe('corr-42');
    expect(received!.causationId).toBe(cause.id);
    expect(received!.headers).toEqual({ 'x-user': 'bob', 'cqrs-transport': 'nats' });
    expect(received!.origin).toBe('remote');
    expect(received!.messageName).toBe('orders.place');
    expect(received!.messageType).toBe(PlaceOrder);
    expect(Math.abs(received!.timestamp.getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('runs the sender’s middleware before sending and the receiver’s middleware before its handler', async () => {
    pair.log.middleware.length = 0;
    pair.senderMiddleware.length = 0;
    await queryBus.ask(new GetOrder('o-1'), { headers: { 'x-user': 'cy' } });
    expect(pair.senderMiddleware).toHaveLength(1);
    expect(pair.log.middleware).toEqual(['GetOrder cy']);
  });

  it('validates on the sender: an invalid command is refused with MessageValidationError and never sent', async () => {
    pair.log.contexts.length = 0;
    pair.log.middleware.length = 0;
    const { error } = await rejection(commandBus.dispatch(new PlaceOrder('x', 0)));
    expect(error).toBeInstanceOf(MessageValidationError);
    expect((error as MessageValidationError).violations.map((v) => v.property).sort()).toEqual([
      'orderId',
      'quantity',
    ]);
    expect(pair.log.middleware).toEqual([]); // the receiver saw nothing
    expect(pair.log.contexts).toEqual([]);
  });

  it('validates on the receiver: an invalid command sent by another producer arrives as MessageValidationError with its failing properties', async () => {
    pair.log.contexts.length = 0;
    // Straight through the client, past the sender's validation, as a producer without it would.
    const envelope = commandBus.toEnvelope(new PlaceOrder('x', 0));
    const reply = await firstValueFrom(
      pair.client.send(remoteSubject('command', 'orders.place', pair.prefix), envelope),
    );
    const error = (() => {
      try {
        openReply(reply, 'command', PlaceOrder);
      } catch (e) {
        return e;
      }
      return new Error('expected the reply to carry an error');
    })();
    expect(error).toBeInstanceOf(MessageValidationError);
    const validation = error as MessageValidationError;
    expect(validation.code).toBe('CQRS_VALIDATION_FAILED');
    expect(validation.messageType).toBe(PlaceOrder);
    expect(validation.violations.map((v) => v.property).sort()).toEqual(['orderId', 'quantity']);
    expect(validation.message).toContain('quantity');
    expect(pair.log.contexts).toEqual([]); // the handler did not run
  });

  it('a remote handler’s error keeps its name, code and message', async () => {
    const { error } = await rejection(commandBus.dispatch(new ShipOrder('o-9')));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toBeInstanceOf(CqrsError);
    expect(error).toMatchObject({
      name: 'OutOfStockError',
      code: 'OUT_OF_STOCK',
      message: 'Order o-9: out of stock',
    });
  });

  it('a type the receiver serves without a handler → RemoteHandlerNotFoundError (a HandlerNotFoundError)', async () => {
    const { error } = await rejection(commandBus.dispatch(new CancelOrder('o-1')));
    expect(error).toBeInstanceOf(RemoteHandlerNotFoundError);
    expect(error).toBeInstanceOf(HandlerNotFoundError);
    expect(error).toMatchObject({
      code: 'CQRS_HANDLER_NOT_FOUND',
      kind: 'command',
      messageType: CancelOrder,
    });
    expect((error as Error).message).toContain('CancelOrder');
  });

  it('a type no process serves → TransportUnavailableError at once (NATS: no responders)', async () => {
    const { error, ms } = await rejection(commandBus.dispatch(new ArchiveOrder('o-1')));
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect(error).toMatchObject({ code: 'CQRS_TRANSPORT_UNAVAILABLE' });
    expect((error as Error).message).toContain(`${pair.prefix}.command.ArchiveOrder`);
    expect(ms).toBeLessThan(400);
  });

  it('a slow answer → RemoteTimeoutError after the module’s timeout', async () => {
    const { error, ms } = await rejection(queryBus.ask(new SlowQuery(800)));
    expect(error).toBeInstanceOf(RemoteTimeoutError);
    expect(error).toMatchObject({ code: 'CQRS_REMOTE_TIMEOUT', messageName: 'SlowQuery', timeoutMs: 400 });
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(700);
  });

  it('the cqrs-timeout header overrides the timeout for one dispatch, both ways', async () => {
    const short = await rejection(queryBus.ask(new SlowQuery(300), { headers: { 'cqrs-timeout': '50' } }));
    expect(short.error).toMatchObject({ code: 'CQRS_REMOTE_TIMEOUT', timeoutMs: 50 });
    expect(short.ms).toBeLessThan(250);
    await expect(queryBus.ask(new SlowQuery(600), { headers: { 'cqrs-timeout': '2000' } })).resolves.toBe(
      'slept 600 ms',
    );
    // Not an integer number of ms in 1…2³¹−1: the dispatch fails at once, nothing is sent.
    for (const value of ['soon', '0', '2147483648', '1.5']) {
      await expect(queryBus.ask(new SlowQuery(1), { headers: { 'cqrs-timeout': value } })).rejects.toThrow(
        InvalidTimeoutError,
      );
    }
  });

  it('keeps concurrent dispatches apart: each answer reaches its own caller', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => commandBus.dispatch(new PlaceOrder(`c-${i}`, i + 1))),
    );
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => queryBus.ask(new GetOrder(`c-${i}`))),
    );
    expect(answers.map((a) => a?.quantity)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('lists remote routes in registrations(), and a local handler for a remote type is a DuplicateHandlerError', () => {
    const route = commandBus.registrations().find((r) => r.messageType === PlaceOrder);
    expect(route?.handler).toBe(`remote via 'ORDERS' (${pair.prefix}.command.orders.place)`);
    expect(() => commandBus.register(PlaceOrder, () => undefined)).toThrow(DuplicateHandlerError);
  });
});

describeWithServer('nats')('what the receiver accepts', () => {
  let server: TestServer;
  let pair: RemotePair;

  beforeAll(async () => {
    server = await startServer('nats');
    pair = await startRemotePair(server.url);
  });
  afterAll(async () => {
    await pair?.close();
    await server?.stop();
  });

  const rawSend = (subject: string, data: unknown) =>
    new Promise((resolve, reject) =>
      pair.client.send(subject, data).subscribe({ next: resolve, error: reject }),
    );

  it('refuses an envelope naming a message it does not serve, even one registered on its bus', async () => {
    await pair.sender.get(CommandBus).dispatch(new PlaceOrder('o-1', 1));
    const envelope = { ...pair.sender.get(CommandBus).toEnvelope(new InternalReset()) };
    const reply = await rawSend(`${pair.prefix}.command.orders.place`, envelope);
    expect(reply).toEqual({
      ok: false,
      error: expect.objectContaining({ name: 'EnvelopeError', code: 'CQRS_INVALID_ENVELOPE' }),
    });
    expect(pair.log.orders.has('o-1')).toBe(true);
  });

  it('answers malformed data with an EnvelopeError reply, never an exception to the transport', async () => {
    for (const data of [
      { name: 'orders.place' },
      { name: 'orders.place', kind: 'command', payload: [] },
      'text',
      42,
    ]) {
      const reply = await rawSend(`${pair.prefix}.command.orders.place`, data);
      expect(reply).toEqual({ ok: false, error: expect.objectContaining({ code: 'CQRS_INVALID_ENVELOPE' }) });
    }
  });
});
