import { jest } from '@jest/globals';
import { IsString } from 'class-validator';
import {
  DuplicateHandlerError,
  DuplicateMessageNameError,
  EnvelopeError,
  EventBus,
  EventHandlerError,
  InFlightTracker,
  BusShutDownError,
  InvalidHandlerError,
  InvalidMessageError,
  Message,
  MessageValidationError,
  CommandBus,
  type MessageContext,
} from '../../lib/core/index.js';
import { validationMiddleware } from '../../lib/validation/validation.middleware.js';
import { assertBuilt, runEsm } from '../package/built-package.js';

class OrderPlaced {
  constructor(readonly orderId = 'o-1') {}
}
class OrderCancelled {
  constructor(readonly orderId = 'o-1') {}
}
class SpecialOrderPlaced extends OrderPlaced {}

const tick = () => new Promise((resolve) => setImmediate(resolve));
function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('EventBus (SPEC §11)', () => {
  it('E1: any number of handlers per class, zero included; chosen by the exact class', async () => {
    const bus = new EventBus();
    await expect(bus.publish(new OrderPlaced())).resolves.toBeUndefined();
    const calls: string[] = [];
    bus.subscribe(OrderPlaced, (event) => void calls.push(`a:${event.orderId}`));
    bus.subscribe(OrderPlaced, { handle: (event: OrderPlaced) => void calls.push(`b:${event.orderId}`) });
    bus.subscribe(OrderCancelled, () => void calls.push('cancelled'));
    await bus.publish(new OrderPlaced('o-7'));
    await bus.publish(new SpecialOrderPlaced('o-8'));
    expect(calls).toEqual(['a:o-7', 'b:o-7']);
    expect(bus.has(OrderPlaced)).toBe(true);
    expect(bus.has(SpecialOrderPlaced)).toBe(false);
  });

  it('E1: the same handler twice on one class is a DuplicateHandlerError; bad types and handlers are InvalidHandlerError', () => {
    const bus = new EventBus();
    const handler = (event: OrderPlaced) => void event;
    const object = { handle: handler };
    bus.subscribe(OrderPlaced, handler);
    bus.subscribe(OrderPlaced, object);
    bus.subscribe(OrderCancelled, handler);
    expect(() => bus.subscribe(OrderPlaced, handler)).toThrow(DuplicateHandlerError);
    expect(() => bus.subscribe(OrderPlaced, object)).toThrow(/already subscribed to OrderPlaced/);
    expect(() => bus.subscribe({} as never, handler)).toThrow(InvalidHandlerError);
    expect(() => bus.subscribe(OrderPlaced, { execute: handler } as never)).toThrow(/handle\(\) method/);
    expect(() => bus.subscribe(OrderPlaced, class Handler {} as never)).toThrow(InvalidHandlerError);
  });

  it('E1: unsubscribe removes only that handler, and takes effect for later publishes', async () => {
    const bus = new EventBus();
    const calls: string[] = [];
    const offA = bus.subscribe(OrderPlaced, () => void calls.push('a'));
    bus.subscribe(OrderPlaced, () => void calls.push('b'));
    offA();
    offA();
    await bus.publish(new OrderPlaced());
    expect(calls).toEqual(['b']);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'OrderPlaced'],
    ['a plain object', { orderId: 'o-1' }],
    ['an array', [new OrderPlaced()]],
    ['the class itself', OrderPlaced],
    ['Object.create(null)', Object.create(null)],
  ])(
    'E2: publishing %s never throws, rejects with InvalidMessageError, and no handler runs',
    async (_, value) => {
      const bus = new EventBus();
      const handler = jest.fn();
      bus.subscribe(OrderPlaced, handler);
      let promise: Promise<void> | undefined;
      expect(() => (promise = bus.publish(value as never))).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(InvalidMessageError);
      expect(handler).not.toHaveBeenCalled();
    },
  );

  it('E3: every chain starts synchronously, in subscription order, and a slow handler does not delay the next', async () => {
    const bus = new EventBus();
    const started: string[] = [];
    const slow = deferred();
    bus.use((message, next) => {
      started.push('middleware');
      return next();
    });
    bus.subscribe(OrderPlaced, async () => {
      started.push('slow');
      await slow.promise;
    });
    bus.subscribe(OrderPlaced, () => void started.push('fast'));
    const promise = bus.publish(new OrderPlaced());
    expect(started).toEqual(['middleware', 'slow', 'middleware', 'fast']);
    let settled = false;
    void promise.then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    slow.resolve();
    await promise;
  });

  it('E4: resolves to undefined once every handler has settled', async () => {
    const bus = new EventBus();
    const order: string[] = [];
    const slow = deferred();
    bus.subscribe(OrderPlaced, async () => {
      await slow.promise;
      order.push('slow done');
      return 'ignored';
    });
    bus.subscribe(OrderPlaced, () => 42);
    const promise = bus.publish(new OrderPlaced()).then((value) => {
      order.push('published');
      return value;
    });
    await tick();
    slow.resolve();
    await expect(promise).resolves.toBeUndefined();
    expect(order).toEqual(['slow done', 'published']);
  });

  it('E4: failures are gathered only after all have settled, in subscription order, and never stop the others', async () => {
    const bus = new EventBus();
    const first = new Error('projection down');
    const second = new Error('mail down');
    const late = deferred();
    let lastRan = false;
    function Projection() {
      return late.promise;
    }
    bus.subscribe(OrderPlaced, Projection);
    bus.subscribe(OrderPlaced, function Mailer() {
      throw second;
    });
    bus.subscribe(OrderPlaced, {
      handle: async () => {
        lastRan = true;
      },
    });
    const event = new OrderPlaced();
    const promise = bus.publish(event);
    let settled = false;
    promise.catch(() => undefined).then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    expect(lastRan).toBe(true);
    late.reject(first);
    const error = (await promise.catch((e: unknown) => e)) as EventHandlerError;
    expect(error).toBeInstanceOf(EventHandlerError);
    expect(error.code).toBe('CQRS_EVENT_HANDLER_FAILED');
    expect(error.event).toBe(event);
    expect(error.cause).toBe(first);
    expect(error.failures).toEqual([
      { handler: 'Projection', error: first, event },
      { handler: 'Mailer', error: second, event },
    ]);
    expect(error.message).toContain('OrderPlaced');
    expect(error.message).toContain('Projection');
    expect(error.message).toContain('Mailer');
  });

  it('E4b: with onError every EventHandlerError is passed to it once, the promise is marked handled, and await still rejects', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const reported: EventHandlerError[] = [];
      const bus = new EventBus({ onError: (error) => reported.push(error) });
      bus.subscribe(OrderPlaced, () => {
        throw new Error('sync');
      });
      bus.subscribe(OrderCancelled, async () => {
        throw new Error('async');
      });
      void bus.publish(new OrderPlaced());
      void bus.publish(new OrderCancelled());
      void bus.publishAll([new OrderPlaced(), new OrderCancelled()]);
      await tick();
      await tick();
      expect(reported.map((e) => e.failures.map((f) => (f.error as Error).message))).toEqual([
        ['sync'],
        ['async'],
        ['sync', 'async'],
      ]);
      await expect(bus.publish(new OrderCancelled())).rejects.toBeInstanceOf(EventHandlerError);
      expect(reported).toHaveLength(4);
      // InvalidMessageError is not an EventHandlerError: it rejects normally and is not reported.
      await expect(bus.publish(null as never)).rejects.toBeInstanceOf(InvalidMessageError);
      expect(reported).toHaveLength(4);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('E4b: without onError a standalone bus returns a plain promise: an unawaited failure is an unhandledRejection', () => {
    assertBuilt();
    // In a process of its own: Jest turns unhandled rejections into failures of its own.
    const result = runEsm<{ unhandled: string[]; withOnError: string[] }>(`
      import { EventBus } from 'nestjs-cqrs-lite/core';
      class OrderPlaced {}
      const unhandled = [];
      process.on('unhandledRejection', (reason) => unhandled.push(reason.code));
      const plain = new EventBus();
      plain.subscribe(OrderPlaced, async () => { throw new Error('lost?'); });
      void plain.publish(new OrderPlaced());
      const reported = [];
      const reporting = new EventBus({ onError: (error) => reported.push(error.code) });
      reporting.subscribe(OrderPlaced, async () => { throw new Error('reported'); });
      void reporting.publish(new OrderPlaced());
      setTimeout(() => console.log(JSON.stringify({ unhandled, withOnError: reported })), 50);
    `);
    expect(result).toEqual({
      unhandled: ['CQRS_EVENT_HANDLER_FAILED'],
      withOnError: ['CQRS_EVENT_HANDLER_FAILED'],
    });
  });

  it('E5: each handler runs its own chain with its own context; contexts of one publish share their identity', async () => {
    const contexts: MessageContext[] = [];
    const bus = new EventBus({
      middleware: [
        (message, next, context) => {
          context.items.set('seen-by', 'bus');
          return next();
        },
      ],
    });
    bus.subscribe(OrderPlaced, (event, context) => void contexts.push(context), {
      middleware: [(message, next, context) => (context.items.set('own', 'first'), next())],
    });
    bus.subscribe(OrderPlaced, {
      handle: (event: OrderPlaced, context: MessageContext) => void contexts.push(context),
    });
    const causedBy = { id: 'cmd-1', correlationId: 'corr-1' } as MessageContext;
    await bus.publish(new OrderPlaced(), { causedBy, headers: { user: 'u-1' } });
    const [a, b] = contexts as [MessageContext, MessageContext];
    expect(a).not.toBe(b);
    expect(a.kind).toBe('event');
    expect(b.messageType).toBe(OrderPlaced);
    expect(a.messageName).toBe('OrderPlaced');
    for (const key of ['id', 'correlationId', 'causationId', 'headers'] as const)
      expect(b[key]).toEqual(a[key]);
    expect(b.timestamp.getTime()).toBe(a.timestamp.getTime());
    expect(a.correlationId).toBe('corr-1');
    expect(a.causationId).toBe('cmd-1');
    expect(a.headers).toEqual({ user: 'u-1' });
    expect(a.items).not.toBe(b.items);
    expect(a.items.get('own')).toBe('first');
    expect(b.items.has('own')).toBe(false);
    expect(b.items.get('seen-by')).toBe('bus');
  });

  it('E5: bus middleware, then the subscription’s own, then the handler, per handler', async () => {
    const trail: string[] = [];
    const bus = new EventBus();
    bus.use((message, next) => (trail.push('bus'), next()));
    bus.subscribe(OrderPlaced, () => void trail.push('handler 1'), {
      middleware: [(message, next) => (trail.push('own 1'), next())],
    });
    bus.subscribe(OrderPlaced, () => void trail.push('handler 2'));
    await bus.publish(new OrderPlaced());
    expect(trail).toEqual(['bus', 'own 1', 'handler 1', 'bus', 'handler 2']);
    expect(bus.registrations()).toEqual([
      {
        messageType: OrderPlaced,
        messageName: 'OrderPlaced',
        handlers: [
          { handler: 'anonymous', middleware: ['anonymous', 'anonymous'] },
          { handler: 'anonymous', middleware: ['anonymous'] },
        ],
      },
    ]);
  });

  it('E6: publishAll starts the events in order and gathers every failure of every event into one error', async () => {
    const bus = new EventBus();
    const trail: string[] = [];
    const placedError = new Error('placed');
    const cancelledError = new Error('cancelled');
    bus.subscribe(OrderPlaced, function failsOnPlaced() {
      trail.push('placed');
      throw placedError;
    });
    bus.subscribe(OrderCancelled, async function failsOnCancelled() {
      trail.push('cancelled');
      throw cancelledError;
    });
    const placed = new OrderPlaced();
    const cancelled = new OrderCancelled();
    const error = (await bus.publishAll([placed, cancelled]).catch((e: unknown) => e)) as EventHandlerError;
    expect(trail).toEqual(['placed', 'cancelled']);
    expect(error).toBeInstanceOf(EventHandlerError);
    expect(error.event).toBe(placed);
    expect(error.failures).toEqual([
      { handler: 'failsOnPlaced', error: placedError, event: placed },
      { handler: 'failsOnCancelled', error: cancelledError, event: cancelled },
    ]);
    await expect(bus.publishAll([])).resolves.toBeUndefined();
  });

  it('E6: a non-instance anywhere in the list rejects with InvalidMessageError and publishes nothing', async () => {
    const bus = new EventBus();
    const handler = jest.fn();
    bus.subscribe(OrderPlaced, handler);
    await expect(bus.publishAll([new OrderPlaced(), { not: 'an event' }])).rejects.toBeInstanceOf(
      InvalidMessageError,
    );
    await expect(bus.publishAll(null as never)).rejects.toBeInstanceOf(InvalidMessageError);
    expect(handler).not.toHaveBeenCalled();
  });

  it('E7: envelopes — names, round trip, only names with a handler, malformed → EnvelopeError', async () => {
    @Message({ name: 'orders.placed', version: 2 })
    class NamedOrderPlaced {
      constructor(readonly orderId = 'o-1') {}
    }
    const bus = new EventBus();
    const received: [unknown, MessageContext][] = [];
    bus.subscribe(NamedOrderPlaced, (event, context) => void received.push([event, context]));
    bus.subscribe(NamedOrderPlaced, (event, context) => void received.push([event, context]));
    const envelope = bus.toEnvelope(new NamedOrderPlaced('o-9'), { headers: { tenant: 't' } });
    expect(envelope).toMatchObject({
      kind: 'event',
      name: 'orders.placed',
      version: 2,
      headers: { tenant: 't' },
    });
    await bus.publishEnvelope(JSON.parse(JSON.stringify(envelope)));
    expect(received).toHaveLength(2);
    const [[event, context], [, sibling]] = received as [
      [NamedOrderPlaced, MessageContext],
      [unknown, MessageContext],
    ];
    expect(event).toBeInstanceOf(NamedOrderPlaced);
    expect(event.orderId).toBe('o-9');
    expect(context.id).toBe(envelope.id);
    expect(sibling.id).toBe(envelope.id);
    expect(context.headers).toEqual({ tenant: 't' });

    const other = new EventBus();
    await expect(other.publishEnvelope(envelope)).rejects.toThrow(EnvelopeError);
    await expect(bus.publishEnvelope({ ...envelope, kind: 'command' })).rejects.toThrow(/field 'kind'/);
    await expect(bus.publishEnvelope({ ...envelope, version: 1 })).rejects.toThrow(/field 'version'/);
    await expect(
      bus.publishEnvelope({ ...envelope, payload: JSON.parse('{"__proto__":{"x":1}}') }),
    ).rejects.toThrow(EnvelopeError);
    expect(received).toHaveLength(2);

    @Message({ name: 'orders.placed' })
    class Impostor {}
    expect(() => bus.subscribe(Impostor, () => undefined)).toThrow(DuplicateMessageNameError);
  });

  it('E7: with validation, an invalid event fails each handler’s chain with MessageValidationError, gathered', async () => {
    class UserRegistered {
      @IsString()
      email: unknown = 42;
    }
    const bus = new EventBus({ middleware: [validationMiddleware()] });
    const handler = jest.fn();
    bus.subscribe(UserRegistered, handler);
    bus.subscribe(UserRegistered, { handle: handler });
    const error = (await bus.publish(new UserRegistered()).catch((e: unknown) => e)) as EventHandlerError;
    expect(error).toBeInstanceOf(EventHandlerError);
    expect(error.failures).toHaveLength(2);
    for (const failure of error.failures) expect(failure.error).toBeInstanceOf(MessageValidationError);
    expect(handler).not.toHaveBeenCalled();
  });

  it('E8: published from a command handler with causedBy, the event continues the command’s correlation', async () => {
    const commands = new CommandBus();
    const events = new EventBus();
    class PlaceOrder {}
    let commandContext: MessageContext | undefined;
    let eventContext: MessageContext | undefined;
    events.subscribe(OrderPlaced, (event, context) => void (eventContext = context));
    commands.register(PlaceOrder, async (command, context) => {
      commandContext = context;
      await events.publish(new OrderPlaced(), { causedBy: context });
    });
    await commands.dispatch(new PlaceOrder(), { correlationId: 'request-1' });
    expect(eventContext!.causationId).toBe(commandContext!.id);
    expect(eventContext!.correlationId).toBe('request-1');
  });

  it('E8: with propagateContext the causation is automatic', async () => {
    const commands = new CommandBus({ propagateContext: true });
    const events = new EventBus({ propagateContext: true });
    class PlaceOrder {}
    let commandContext: MessageContext | undefined;
    let eventContext: MessageContext | undefined;
    events.subscribe(OrderPlaced, (event, context) => void (eventContext = context));
    commands.register(PlaceOrder, async (command, context) => {
      commandContext = context;
      await Promise.resolve();
      await events.publish(new OrderPlaced());
    });
    await commands.dispatch(new PlaceOrder());
    expect(eventContext!.causationId).toBe(commandContext!.id);
    expect(eventContext!.correlationId).toBe(commandContext!.correlationId);
  });

  it('publishes in flight are drained at shutdown; later ones reject with BusShutDownError', async () => {
    const inFlight = new InFlightTracker();
    const bus = new EventBus({ inFlight });
    const slow = deferred();
    let finished = false;
    bus.subscribe(OrderPlaced, async () => {
      await slow.promise;
      finished = true;
    });
    const running = bus.publish(new OrderPlaced());
    expect(inFlight.count).toBe(1);
    const shutdown = inFlight.shutdown(5_000);
    await tick();
    expect(finished).toBe(false);
    slow.resolve();
    await expect(shutdown).resolves.toBe(0);
    await running;
    expect(finished).toBe(true);
    const error = await bus.publish(new OrderPlaced()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusShutDownError);
    expect((error as Error).message).toContain('no more events');
  });

  it('listeners hear every event after its handlers started, with a context of that publish', async () => {
    const bus = new EventBus();
    const trail: string[] = [];
    const heard: MessageContext[] = [];
    bus.subscribe(OrderPlaced, (event, context) => {
      trail.push('handler');
      heard.push(context);
    });
    const stop = bus.listen((event, context) => {
      trail.push(`listener:${event.constructor.name}`);
      heard.push(context);
    });
    await bus.publish(new OrderPlaced());
    await bus.publish(new OrderCancelled(), { correlationId: 'c-9' });
    stop();
    await bus.publish(new OrderPlaced());
    expect(trail).toEqual(['handler', 'listener:OrderPlaced', 'listener:OrderCancelled', 'handler']);
    expect(heard[1]!.id).toBe(heard[0]!.id);
    expect(heard[2]!.correlationId).toBe('c-9');
    expect(heard[2]!.messageType).toBe(OrderCancelled);
  });

  it('10,000 concurrent publishes to 3 handlers each settle with their own events, nothing mixed up', async () => {
    const bus = new EventBus();
    const seen = new Map<string, string[]>();
    const record = (name: string) => async (event: OrderPlaced, context: MessageContext) => {
      await new Promise((resolve) => setImmediate(resolve));
      const list = seen.get(event.orderId) ?? [];
      list.push(`${name}:${context.correlationId}`);
      seen.set(event.orderId, list);
      if (event.orderId.endsWith('7') && name === 'b') throw new Error(event.orderId);
    };
    bus.subscribe(OrderPlaced, record('a'));
    bus.subscribe(OrderPlaced, record('b'));
    bus.subscribe(OrderPlaced, record('c'));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10_000 }, (_, i) =>
        bus.publish(new OrderPlaced(`o-${i}`), { correlationId: `c-${i}` }),
      ),
    );
    for (let i = 0; i < 10_000; i++) {
      expect(seen.get(`o-${i}`)).toEqual([`a:c-${i}`, `b:c-${i}`, `c:c-${i}`]);
      const outcome = outcomes[i]!;
      if (i % 10 === 7) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as EventHandlerError;
        expect((error.event as OrderPlaced).orderId).toBe(`o-${i}`);
        expect((error.cause as Error).message).toBe(`o-${i}`);
      } else {
        expect(outcome.status).toBe('fulfilled');
      }
    }
  });
});

describe('EventBus afterPublish (the hook the query cache uses)', () => {
  it('wraps the outcome of every publish, after all handlers settled; reported errors stay handled', async () => {
    const seen: string[] = [];
    const reported: EventHandlerError[] = [];
    const bus = new EventBus({
      onError: (error) => reported.push(error),
      afterPublish: (events, outcome) =>
        outcome.then(
          () => void seen.push(`ok:${events.length}`),
          (error: unknown) => {
            seen.push('failed');
            throw error;
          },
        ),
    });
    let release!: () => void;
    bus.subscribe(OrderPlaced, () => new Promise<void>((resolve) => (release = resolve)));
    bus.subscribe(OrderCancelled, () => {
      throw new Error('x');
    });
    const placed = bus.publish(new OrderPlaced());
    await tick();
    expect(seen).toEqual([]);
    release();
    await placed;
    expect(seen).toEqual(['ok:1']);
    await expect(bus.publishAll([new OrderCancelled(), new OrderCancelled()])).rejects.toBeInstanceOf(
      EventHandlerError,
    );
    expect(seen).toEqual(['ok:1', 'failed']);
    expect(reported).toHaveLength(1);
  });
});
