/**
 * SPEC §14 T2 over real NATS: a sender application in this process and a receiver in another
 * (fixtures/traced-receiver.mjs, the built package), both with tracing on, give one trace.
 */
import { randomUUID } from 'node:crypto';
import { Module, type INestApplication } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsLiteModule, Message, Query, QueryBus } from '../../lib/index.js';
import { CqrsRemoteModule, RemoteError } from '../../lib/transport/index.js';
import { assertBuilt } from '../package/built-package.js';
import { describeWithServer, startServer, type TestServer } from '../transport/servers.js';
import { idOf, parentOf, registerTestSdk, withSpan } from './otel-sdk.js';
import { startTracedProcess, type TracedProcess } from './traced-process.js';

@Message({ name: 'parcels.ship' })
class ShipParcel {
  constructor(readonly id: string) {}
}

@Message({ name: 'parcels.lose' })
class LoseParcel {
  constructor(readonly id: string) {}
}

@Message({ name: 'parcels.track' })
class TrackParcel extends Query<{ pid: number; headers: Record<string, string> }> {}

const sdk = registerTestSdk();

describeWithServer('nats')('one trace across two processes over NATS (SPEC §14 T2)', () => {
  let server: TestServer;
  let receiver: TracedProcess;
  let sender: INestApplication;

  beforeAll(async () => {
    assertBuilt();
    server = await startServer('nats');
    const prefix = `traced-${randomUUID()}`;
    receiver = await startTracedProcess('traced-receiver.mjs', { NATS_URL: server.url, CQRS_PREFIX: prefix });

    @Module({
      imports: [
        CqrsLiteModule.forRoot({ tracing: true }),
        ClientsModule.register([
          { name: 'PARCELS', transport: Transport.NATS, options: { servers: [server.url] } },
        ]),
        CqrsRemoteModule.forRoot({
          client: 'PARCELS',
          commands: [ShipParcel, LoseParcel],
          queries: [TrackParcel],
          timeout: 2_000,
          subjectPrefix: prefix,
        }),
      ],
    })
    class SenderModule {}
    const ref = await Test.createTestingModule({ imports: [SenderModule] }).compile();
    sender = ref.createNestApplication({ logger: false });
    await sender.init();
  }, 20_000);

  afterAll(async () => {
    await receiver?.stop();
    await sender?.close();
    await server?.stop();
    await sdk.shutdown();
  });

  beforeEach(() => sdk.reset());

  it('T2: the sender’s CLIENT span is the parent of the receiver’s SERVER span, and the handler’s own spans nest under that', async () => {
    await withSpan('checkout', () => sender.get(CommandBus).dispatch(new ShipParcel('p-1')));

    const checkout = sdk.span('checkout');
    const client = sdk.span('command parcels.ship');
    expect(client.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(client)).toBe(idOf(checkout));
    expect(client.attributes['cqrs.handler']).toMatch(
      /^remote via 'PARCELS' \(traced-.*\.command\.parcels\.ship\)$/,
    );

    const [server] = await receiver.spansWhere(
      (s) => s.name === 'command parcels.ship' && s.traceId === client.spanContext().traceId,
    );
    expect(server!.pid).toBe(receiver.child.pid);
    expect(server!.kind).toBe(SpanKind.SERVER);
    expect(server!.parentSpanId).toBe(idOf(client));
    expect(server!.parentIsRemote).toBe(true);
    expect(server!.attributes).toMatchObject({
      'cqrs.kind': 'command',
      'cqrs.message.name': 'parcels.ship',
      'cqrs.handler': 'ShipParcelHandler',
      // The receiver's context continues the sender's dispatch.
      'cqrs.message.id': client.attributes['cqrs.message.id'],
      'cqrs.correlation_id': client.attributes['cqrs.correlation_id'],
    });
    const [save] = await receiver.spansWhere((s) => s.name === 'db.save' && s.traceId === server!.traceId);
    expect(save!.parentSpanId).toBe(server!.spanId);
  });

  it('T2: a query is CLIENT → SERVER too; the envelope carried traceparent (and the sender’s other headers)', async () => {
    const answer = await sender.get(QueryBus).ask(new TrackParcel(), { headers: { 'x-user': 'ann' } });
    const client = sdk.span('query parcels.track');
    expect(client.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(client)).toBeUndefined();
    expect(answer.pid).toBe(receiver.child.pid);
    expect(answer.headers).toEqual({
      'x-user': 'ann',
      'cqrs-transport': 'nats',
      traceparent: `00-${client.spanContext().traceId}-${idOf(client)}-01`,
    });

    const [server] = await receiver.spansWhere(
      (s) => s.name === 'query parcels.track' && s.traceId === client.spanContext().traceId,
    );
    expect(server!.kind).toBe(SpanKind.SERVER);
    expect(server!.parentSpanId).toBe(idOf(client));
  });

  it('T2: a remote failure is an ERROR on both sides of the trace', async () => {
    const error = await sender
      .get(CommandBus)
      .dispatch(new LoseParcel('p-9'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);

    const client = sdk.span('command parcels.lose');
    expect(client.status).toEqual({ code: SpanStatusCode.ERROR, message: 'parcel p-9 is lost' });
    const [server] = await receiver.spansWhere(
      (s) => s.name === 'command parcels.lose' && s.traceId === client.spanContext().traceId,
    );
    expect(server!.parentSpanId).toBe(idOf(client));
    expect(server!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'parcel p-9 is lost' });
  });
});
