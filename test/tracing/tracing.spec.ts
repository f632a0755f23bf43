/**
 * SPEC §14 on standalone buses: `tracingMiddleware()` first in the chain, with the real
 * OpenTelemetry SDK registered globally (in-memory exporters).
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  CommandBus,
  EventBus,
  EventHandlerError,
  Message,
  Query,
  QueryBus,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  TracingMiddleware,
  traceHeaders,
  tracingMiddleware,
  type MessageContext,
  type MiddlewareFn,
} from '../../lib/index.js';
import { CACHE_HIT } from '../../lib/core/context-items.js';
import { idOf, parentOf, points, registerTestSdk, withSpan } from './otel-sdk.js';

@Message({ name: 'billing.charge' })
class Charge {
  constructor(readonly amount: number) {}
}

class Refund {}

class GetBalance extends Query<number> {}

class GetLabel extends Query<string> {}

class OrderPlaced {}

class CardDeclined extends Error {
  readonly code = 'CARD_DECLINED';
}

const sdk = registerTestSdk();
afterAll(() => sdk.shutdown());
beforeEach(() => sdk.reset());

describe('tracingMiddleware() (SPEC §14)', () => {
  it('T1: one span per dispatch named `<kind> <messageName>`, with the cqrs attributes', async () => {
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    let seen: MessageContext | undefined;
    commands.register(Charge, function chargeCard(_command: Charge, ctx: MessageContext) {
      seen = ctx;
    });
    await commands.dispatch(new Charge(5), { correlationId: 'corr-1' });

    expect(sdk.spans()).toHaveLength(1);
    const span = sdk.span('command billing.charge');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.instrumentationScope.name).toBe('nestjs-cqrs-lite');
    expect(span.attributes).toEqual({
      'cqrs.kind': 'command',
      'cqrs.message.name': 'billing.charge',
      'cqrs.message.id': seen!.id,
      'cqrs.correlation_id': 'corr-1',
      'cqrs.handler': 'chargeCard',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentOf(span)).toBeUndefined();
  });

  it('T1: cqrs.handler is the handler’s name as registrations() reports it (a handler object by its class)', async () => {
    class GetBalanceHandler {
      execute() {
        return 42;
      }
    }
    const queries = new QueryBus({ middleware: [tracingMiddleware()] });
    queries.register(GetBalance, new GetBalanceHandler());
    await expect(queries.ask(new GetBalance())).resolves.toBe(42);

    const span = sdk.span('query GetBalance');
    expect(span.attributes['cqrs.kind']).toBe('query');
    expect(span.attributes['cqrs.handler']).toBe(queries.registrations()[0]!.handler);
    expect(span.attributes['cqrs.handler']).toBe('GetBalanceHandler');
  });

  it('T1: the span is a child of the span active at dispatch, and is active while the handler runs', async () => {
    const tracer = trace.getTracer('handler code');
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    commands.register(Charge, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      // What a database or HTTP client instrumentation would do inside the handler.
      tracer.startSpan('db.insert').end();
    });

    await withSpan('POST /charges', () => commands.dispatch(new Charge(1)));

    const request = sdk.span('POST /charges');
    const command = sdk.span('command billing.charge');
    const insert = sdk.span('db.insert');
    expect(parentOf(command)).toBe(idOf(request));
    expect(parentOf(insert)).toBe(idOf(command));
    expect(new Set([request, command, insert].map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('T1: a follow-up dispatched by a handler nests under its span; after the dispatch the caller’s span is active again', async () => {
    const middleware = tracingMiddleware();
    const commands = new CommandBus({ middleware: [middleware] });
    const queries = new QueryBus({ middleware: [middleware] });
    queries.register(GetBalance, () => 10);
    commands.register(Charge, async (_command: Charge, ctx: MessageContext) => {
      await queries.ask(new GetBalance(), { causedBy: ctx });
    });

    await withSpan('job', async (job) => {
      await commands.dispatch(new Charge(3));
      expect(trace.getActiveSpan()).toBe(job);
    });

    expect(parentOf(sdk.span('query GetBalance'))).toBe(idOf(sdk.span('command billing.charge')));
    expect(parentOf(sdk.span('command billing.charge'))).toBe(idOf(sdk.span('job')));
  });

  it('T1: a failure records the exception, sets status ERROR, and reaches the caller unchanged', async () => {
    const declined = new CardDeclined('card declined');
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    commands.register(Charge, () => {
      throw declined;
    });

    await expect(commands.dispatch(new Charge(9))).rejects.toBe(declined);

    const span = sdk.span('command billing.charge');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined' });
    const [event] = span.events;
    expect(event!.name).toBe('exception');
    expect(event!.attributes).toMatchObject({
      'exception.type': 'CARD_DECLINED',
      'exception.message': 'card declined',
    });
    expect(event!.attributes!['exception.stacktrace']).toContain('tracing.spec.ts');
  });

  it('T1: a thrown non-Error value is recorded too', async () => {
    const queries = new QueryBus({ middleware: [tracingMiddleware()] });
    queries.register(GetBalance, () => Promise.reject('no balance'));
    await expect(queries.ask(new GetBalance())).rejects.toBe('no balance');
    const span = sdk.span('query GetBalance');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no balance' });
    expect(span.events[0]!.attributes!['exception.message']).toBe('no balance');
  });

  it('T1: the span covers the whole chain and has ended, with its metrics recorded, when the dispatch settles', async () => {
    const order: string[] = [];
    const inner: MiddlewareFn = async (_message, next) => {
      order.push(`inner sees span ${trace.getActiveSpan() !== undefined}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return next();
    };
    const queries = new QueryBus({ middleware: [tracingMiddleware(), inner] });
    queries.register(GetBalance, () => 7);

    const result = await queries.ask(new GetBalance());
    expect(result).toBe(7);
    // No flush or wait: the span was exported (ended) before ask() resolved.
    const span = sdk.span('query GetBalance');
    expect(order).toEqual(['inner sees span true']);
    const durationMs = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    expect(durationMs).toBeGreaterThanOrEqual(4);
    expect(points(await sdk.metric('cqrs.handler.duration'))).toEqual([
      [{ 'cqrs.kind': 'query', 'cqrs.message.name': 'GetBalance', 'cqrs.outcome': 'ok' }, 1],
    ]);
  });

  it('T1: a failed dispatch has ended its span before the rejection is seen', async () => {
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    commands.register(Refund, async () => {
      throw new Error('nope');
    });
    let spansAtRejection = -1;
    await commands.dispatch(new Refund()).catch(() => (spansAtRejection = sdk.spans().length));
    expect(spansAtRejection).toBe(1);
  });

  it('T1: keeps the bus contract: a synchronous handler has run when dispatch() returns (B3), the result passes through', async () => {
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    let ran = false;
    commands.register(Refund, () => {
      ran = true;
    });
    const pending = commands.dispatch(new Refund());
    expect(ran).toBe(true);
    await expect(pending).resolves.toBeUndefined();
  });

  it('T1: cqrs.cache.hit is set from the CACHE_HIT item after the chain settles: true on a hit, false on a miss, absent otherwise', async () => {
    // Stands in for the cache step: it decides after its own lookup, so late in the chain.
    const cacheStep: MiddlewareFn = async (_message, next, ctx) => {
      const hit = ctx.headers['x-cached'] === 'yes';
      ctx.items.set(CACHE_HIT, hit);
      return hit ? 'from cache' : next();
    };
    const queries = new QueryBus({ middleware: [tracingMiddleware()] });
    queries.register(GetLabel, () => 'from handler', { middleware: [cacheStep] });
    const plain = new QueryBus({ middleware: [tracingMiddleware()] });
    plain.register(GetLabel, () => 'plain');

    await expect(queries.ask(new GetLabel(), { headers: { 'x-cached': 'yes' } })).resolves.toBe('from cache');
    await expect(queries.ask(new GetLabel())).resolves.toBe('from handler');
    await expect(plain.ask(new GetLabel())).resolves.toBe('plain');

    const [hit, miss, uncached] = sdk.spans();
    expect(hit!.attributes['cqrs.cache.hit']).toBe(true);
    expect(miss!.attributes['cqrs.cache.hit']).toBe(false);
    expect(uncached!.attributes).not.toHaveProperty('cqrs.cache.hit');
  });

  it('T1: one span per event handler, each named `event <name>` with its own handler name', async () => {
    const events = new EventBus({ middleware: [tracingMiddleware()] });
    events.subscribe(OrderPlaced, function sendReceipt() {});
    events.subscribe(OrderPlaced, function updateStock() {
      throw new Error('stock service down');
    });

    const error = await withSpan('publisher', () => events.publish(new OrderPlaced())).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventHandlerError);

    const handlerSpans = sdk.spans().filter((s) => s.name === 'event OrderPlaced');
    expect(handlerSpans.map((s) => s.attributes['cqrs.handler'])).toEqual(['sendReceipt', 'updateStock']);
    expect(handlerSpans.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    expect(handlerSpans.every((s) => parentOf(s) === idOf(sdk.span('publisher')))).toBe(true);
    // The handlers of one publish share the event's id (SPEC §11 E5).
    expect(new Set(handlerSpans.map((s) => s.attributes['cqrs.message.id'])).size).toBe(1);
    expect(handlerSpans[0]!.attributes['cqrs.kind']).toBe('event');
  });

  /** The cqrs.in_flight points of the commands these tests run (the counter reports every series it saw). */
  const commandsInFlight = async () =>
    points(await sdk.metric('cqrs.in_flight')).filter(
      ([attributes]) =>
        attributes['cqrs.kind'] === 'command' &&
        ['billing.charge', 'Refund'].includes(attributes['cqrs.message.name'] as string),
    );

  it('T3: cqrs.handler.duration (seconds) by kind, name and outcome; cqrs.in_flight up while handlers run', async () => {
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    // Another bus (another application, say) with a tracing step of its own: counted together.
    const other = new CommandBus({ middleware: [tracingMiddleware()] });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    commands.register(Charge, () => gate);
    commands.register(Refund, () => {
      throw new Error('refused');
    });

    other.register(Charge, () => gate);

    const running = [
      commands.dispatch(new Charge(1)),
      commands.dispatch(new Charge(2)),
      other.dispatch(new Charge(3)),
    ];
    expect(await commandsInFlight()).toContainEqual([
      { 'cqrs.kind': 'command', 'cqrs.message.name': 'billing.charge' },
      3,
    ]);
    const inFlight = await sdk.metric('cqrs.in_flight');
    expect(inFlight!.descriptor.unit).toBe('{invocation}');
    expect((inFlight as { isMonotonic?: boolean }).isMonotonic).toBe(false);
    release();
    await Promise.all(running);
    await commands.dispatch(new Refund()).catch(() => undefined);

    expect(await commandsInFlight()).toEqual([
      [{ 'cqrs.kind': 'command', 'cqrs.message.name': 'billing.charge' }, 0],
      [{ 'cqrs.kind': 'command', 'cqrs.message.name': 'Refund' }, 0],
    ]);
    const duration = await sdk.metric('cqrs.handler.duration');
    expect(duration!.descriptor.unit).toBe('s');
    expect(points(duration)).toEqual([
      [{ 'cqrs.kind': 'command', 'cqrs.message.name': 'billing.charge', 'cqrs.outcome': 'ok' }, 3],
      [{ 'cqrs.kind': 'command', 'cqrs.message.name': 'Refund', 'cqrs.outcome': 'error' }, 1],
    ]);
    // Seconds, not milliseconds: two near-instant handlers sum to well under a second.
    const sum = (duration!.dataPoints[0]!.value as { sum: number }).sum;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(1);
  });

  it('T3: instruments follow the meter provider registered now, also one registered after the middleware was made', async () => {
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    commands.register(Refund, () => undefined);
    await commands.dispatch(new Refund());
    await sdk.reset(); // a new global MeterProvider
    await commands.dispatch(new Refund());
    expect(points(await sdk.metric('cqrs.handler.duration'))).toEqual([
      [{ 'cqrs.kind': 'command', 'cqrs.message.name': 'Refund', 'cqrs.outcome': 'ok' }, 1],
    ]);
  });

  it('T2: dispatchEnvelope() continues the trace named by the envelope’s traceparent; traceHeaders() writes it', async () => {
    const sender = new CommandBus();
    const receiver = new CommandBus({ middleware: [tracingMiddleware()] });
    receiver.register(Charge, () => undefined);

    let envelope!: ReturnType<CommandBus['toEnvelope']>;
    await withSpan('outbox.write', async () => {
      envelope = sender.toEnvelope(new Charge(4), { headers: { 'x-user': 'ann', ...traceHeaders() } });
    });
    const writer = sdk.span('outbox.write');
    expect(envelope.headers[TRACEPARENT_HEADER]).toBe(
      `00-${writer.spanContext().traceId}-${idOf(writer)}-01`,
    );

    // Later, elsewhere, with no span active.
    await receiver.dispatchEnvelope(JSON.parse(JSON.stringify(envelope)));
    const handled = sdk.span('command billing.charge');
    expect(handled.spanContext().traceId).toBe(writer.spanContext().traceId);
    expect(parentOf(handled)).toBe(idOf(writer));
    expect(handled.parentSpanContext!.isRemote).toBe(true);
    expect(handled.attributes['cqrs.message.id']).toBe(envelope.id);
  });

  it('T2: tracestate travels with traceparent; a malformed traceparent starts a new trace instead', async () => {
    const receiver = new CommandBus({ middleware: [tracingMiddleware()] });
    receiver.register(Charge, () => undefined);
    const envelope = new CommandBus().toEnvelope(new Charge(1));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';

    await receiver.dispatchEnvelope({
      ...envelope,
      headers: { [TRACEPARENT_HEADER]: `00-${traceId}-${spanId}-01`, [TRACESTATE_HEADER]: 'vendor=abc' },
    });
    const continued = sdk.spans()[0]!;
    expect(continued.spanContext().traceId).toBe(traceId);
    expect(parentOf(continued)).toBe(spanId);
    expect(continued.parentSpanContext!.traceState!.get('vendor')).toBe('abc');

    for (const bad of [
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `ff-${traceId}-${spanId}-01`,
      `00-${traceId}-${spanId}-01-extra`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      'garbage',
    ]) {
      await sdk.reset();
      await receiver.dispatchEnvelope({ ...envelope, headers: { [TRACEPARENT_HEADER]: bad } });
      const span = sdk.spans()[0]!;
      expect(parentOf(span)).toBeUndefined();
      expect(span.spanContext().traceId).not.toBe(traceId);
    }
  });

  it('T2: a local dispatch whose headers carry a traceparent stays under the active span', async () => {
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    commands.register(Refund, () => undefined);
    const foreign = `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`;
    await withSpan('request', () =>
      commands.dispatch(new Refund(), { headers: { [TRACEPARENT_HEADER]: foreign } }),
    );
    expect(parentOf(sdk.span('command Refund'))).toBe(idOf(sdk.span('request')));
  });

  it('traceHeaders() is empty when no span is active', () => {
    expect(trace.getSpan(context.active())).toBeUndefined();
    expect(traceHeaders()).toEqual({});
  });

  it('registrations() name the step TracingMiddleware', () => {
    const commands = new CommandBus({ middleware: [tracingMiddleware()] });
    commands.register(Refund, () => undefined);
    expect(commands.registrations()[0]!.middleware).toEqual(['TracingMiddleware']);
    expect(tracingMiddleware()).toBeInstanceOf(TracingMiddleware);
  });
});
