/**
 * SPEC §14 T2 over BullMQ and real Redis: a sender application in this process queues commands
 * that a worker in another process (fixtures/traced-worker.mjs, the built package) runs, both
 * with tracing on: PRODUCER → CONSUMER in one trace, each attempt of a retried job included.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsLiteModule, Message } from '../../lib/index.js';
import { CqrsQueueModule } from '../../lib/transport/bullmq/index.js';
import { assertBuilt } from '../package/built-package.js';
import { describeWithServer, startServer, type TestServer } from '../transport/servers.js';
import { idOf, parentOf, registerTestSdk, withSpan } from './otel-sdk.js';
import { startTracedProcess, type TracedProcess } from './traced-process.js';

@Message({ name: 'parcels.ship' })
class ShipParcel {
  constructor(readonly id: string) {}
}

const sdk = registerTestSdk();

describeWithServer('redis')('one trace across two processes over BullMQ (SPEC §14 T2)', () => {
  let server: TestServer;
  let worker: TracedProcess;
  let sender: INestApplicationContext;

  beforeAll(async () => {
    assertBuilt();
    server = await startServer('redis');
    const queue = `cqrs-traced-${randomUUID().slice(0, 8)}`;
    worker = await startTracedProcess('traced-worker.mjs', { REDIS_URL: server.url, QUEUE: queue });
    const ref = await Test.createTestingModule({
      imports: [
        CqrsLiteModule.forRoot({ tracing: true }),
        CqrsQueueModule.forRoot({
          queue,
          connection: { url: server.url },
          commands: [ShipParcel],
          waitForCompletion: true,
          jobOptions: { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
        }),
      ],
    }).compile();
    sender = await ref.init();
  }, 20_000);

  afterAll(async () => {
    await worker?.stop();
    await sender?.close();
    await server?.stop();
    await sdk.shutdown();
  });

  beforeEach(() => sdk.reset());

  it('T2: the sender’s PRODUCER span is the parent of the worker’s CONSUMER span', async () => {
    await withSpan('checkout', () => sender.get(CommandBus).dispatch(new ShipParcel('p-1')));

    const producer = sdk.span('command parcels.ship');
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(producer)).toBe(idOf(sdk.span('checkout')));
    expect(producer.attributes['cqrs.handler']).toMatch(/^CommandQueue\(cqrs-traced-/);

    const [consumer] = await worker.spansWhere(
      (s) => s.name === 'command parcels.ship' && s.traceId === producer.spanContext().traceId,
    );
    expect(consumer!.pid).toBe(worker.child.pid);
    expect(consumer!.kind).toBe(SpanKind.CONSUMER);
    expect(consumer!.parentSpanId).toBe(idOf(producer));
    expect(consumer!.attributes).toMatchObject({
      'cqrs.handler': 'ShipParcelHandler',
      'cqrs.message.id': producer.attributes['cqrs.message.id'],
    });
    const [save] = await worker.spansWhere((s) => s.name === 'db.save' && s.traceId === consumer!.traceId);
    expect(save!.parentSpanId).toBe(consumer!.spanId);
  });

  it('T2: every attempt of a retried job is a CONSUMER span of the same trace, the failed one an ERROR', async () => {
    await sender.get(CommandBus).dispatch(new ShipParcel('flaky-1'));

    const producer = sdk.span('command parcels.ship');
    const attempts = await worker.spansWhere(
      (s) => s.name === 'command parcels.ship' && s.traceId === producer.spanContext().traceId,
      2,
    );
    expect(attempts.map((s) => s.kind)).toEqual([SpanKind.CONSUMER, SpanKind.CONSUMER]);
    expect(attempts.map((s) => s.parentSpanId)).toEqual([idOf(producer), idOf(producer)]);
    expect(attempts.map((s) => s.status)).toEqual([
      { code: SpanStatusCode.ERROR, message: 'carrier unavailable' },
      { code: SpanStatusCode.UNSET },
    ]);
  });
});
