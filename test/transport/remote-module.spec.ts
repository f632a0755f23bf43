import { createServer } from 'node:net';
import { Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Observable, of } from 'rxjs';
import { CommandBus, CqrsLiteModule, Query, QueryBus } from '../../lib/index.js';
import {
  CqrsRemoteModule,
  InvalidTimeoutError,
  TransportClientError,
  TransportUnavailableError,
  type CqrsRemoteModuleOptions,
} from '../../lib/transport/index.js';

class GetPrice extends Query<number> {
  constructor(readonly sku: string) {
    super();
  }
}
class SetPrice {
  constructor(
    readonly sku: string,
    readonly price: number,
  ) {}
}

/** A ClientProxy stand-in that records what it is sent and answers with `reply`. */
function fakeClient(reply: (data: unknown) => Observable<unknown>) {
  const sent: Array<{ pattern: unknown; data: any }> = [];
  return {
    sent,
    send(pattern: unknown, data: unknown) {
      sent.push({ pattern, data });
      return reply(data);
    },
  };
}

async function senderApp(remote: ReturnType<typeof CqrsRemoteModule.forRoot>, extra: any[] = []) {
  @Module({ imports: [CqrsLiteModule.forRoot(), remote, ...extra] })
  class SenderModule {}
  const ref = await Test.createTestingModule({ imports: [SenderModule] }).compile();
  const app = ref.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('CqrsRemoteModule (sender side, no broker)', () => {
  it('forRootAsync: options from a factory; the envelope continues the dispatch on the cqrs.<kind>.<name> subject', async () => {
    const client = fakeClient(() => of({ ok: true, result: 42 }));
    @Module({ providers: [{ provide: 'PRICES', useValue: client }], exports: ['PRICES'] })
    class ClientModule {}
    const app = await senderApp(
      CqrsRemoteModule.forRootAsync({
        imports: [ClientModule],
        useFactory: (): CqrsRemoteModuleOptions => ({
          client: 'PRICES',
          queries: [GetPrice],
          commands: [SetPrice],
        }),
      }),
    );
    const price: number = await app.get(QueryBus).ask(new GetPrice('apple'), {
      correlationId: 'c-1',
      headers: { 'x-user': 'ann' },
    });
    expect(price).toBe(42);
    await app.get(CommandBus).dispatch(new SetPrice('apple', 3));
    expect(client.sent.map((s) => s.pattern)).toEqual(['cqrs.query.GetPrice', 'cqrs.command.SetPrice']);
    expect(client.sent[0]!.data).toEqual({
      id: expect.any(String),
      name: 'GetPrice',
      version: 1,
      kind: 'query',
      correlationId: 'c-1',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      // The caller's deadline travels (ms since the epoch), the sender-only cqrs-timeout does not.
      headers: { 'x-user': 'ann', 'cqrs-deadline': expect.stringMatching(/^\d{13}$/) },
      payload: { sku: 'apple' },
    });
    await app.close();
  });

  it('fails init with TransportClientError naming a client token nothing provides', async () => {
    await expect(
      senderApp(CqrsRemoteModule.forRoot({ client: 'MISSING', queries: [GetPrice] })),
    ).rejects.toThrow(TransportClientError);
    await expect(
      senderApp(CqrsRemoteModule.forRoot({ client: 'MISSING', queries: [GetPrice] })),
    ).rejects.toThrow(/'MISSING'/);
  });

  it('fails init with TransportClientError for a client that is not a ClientProxy, InvalidTimeoutError for a timeout outside 1…2³¹−1 ms', async () => {
    @Module({ providers: [{ provide: 'NOT_A_CLIENT', useValue: { emit() {} } }], exports: ['NOT_A_CLIENT'] })
    class NotAClient {}
    await expect(
      senderApp(CqrsRemoteModule.forRoot({ client: 'NOT_A_CLIENT', queries: [GetPrice] }), [NotAClient]),
    ).rejects.toThrow(/not a ClientProxy/);
    const client = fakeClient(() => of({ ok: true }));
    @Module({ providers: [{ provide: 'C', useValue: client }], exports: ['C'] })
    class ClientModule {}
    await expect(
      senderApp(CqrsRemoteModule.forRoot({ client: 'C', queries: [GetPrice], timeout: 0 }), [ClientModule]),
    ).rejects.toThrow(InvalidTimeoutError);
    for (const timeout of [0, 1.5, 2 ** 31, Number.POSITIVE_INFINITY]) {
      await expect(
        senderApp(CqrsRemoteModule.forRoot({ client: 'C', queries: [GetPrice], timeout }), [ClientModule]),
      ).rejects.toThrow(/integer number of milliseconds from 1 to 2147483647/);
    }
  });

  it('a NATS server that cannot be reached → TransportUnavailableError, fast', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const app = await senderApp(CqrsRemoteModule.forRoot({ client: 'PRICES', queries: [GetPrice] }), [
      ClientsModule.register([
        { name: 'PRICES', transport: Transport.NATS, options: { servers: [`nats://127.0.0.1:${port}`] } },
      ]),
    ]);
    const started = Date.now();
    const error = await app
      .get(QueryBus)
      .ask(new GetPrice('apple'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect(error).toMatchObject({ code: 'CQRS_TRANSPORT_UNAVAILABLE', messageName: 'GetPrice' });
    expect(Date.now() - started).toBeLessThan(1_000);
    await app.close();
  });
});
