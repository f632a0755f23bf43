/**
 * The NATS receiver attacked from outside (issue 17): a hostile peer in its own process publishes
 * raw NATS messages to a billing service served by CqrsRemoteModule.serve() on CqrsNatsServer.
 * Every request gets an answer, nothing invalid runs a handler, remote headers are not trusted.
 */
import { CommandBus, QueryBus } from '../../../lib/index.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import {
  Balance,
  Charge,
  rawEnvelope,
  startBilling,
  startBillingSender,
  type Billing,
} from './billing-apps.js';
import { hostilePeer, nestPacket, replyOf, type RawMessage } from './hostile-peer.js';

describeWithServer('nats')('a NATS receiver against a hostile peer', () => {
  let server: TestServer;
  let billing: Billing;
  const refused: Array<{ code: string; kind: string; subjectName: string; transport: string }> = [];
  const charge = () => billing.subject('command', 'billing.charge');

  beforeAll(async () => {
    server = await startServer('nats');
    billing = await startBilling(server.url, {
      allowHeaders: ['x-tenant'],
      limits: { maxPayloadBytes: 256 * 1024 },
      onRefused: (error, where) => refused.push({ code: error.code, ...where }),
    });
  });
  afterAll(async () => {
    await billing?.close();
    await server?.stop();
  });
  beforeEach(() => {
    billing.log.runs.length = 0;
    billing.log.decisions.length = 0;
  });

  it('17.2: the subject binds the message: an envelope naming billing.refund sent on the charge subject is refused, nothing runs', async () => {
    const refund = rawEnvelope('command', 'billing.refund', { account: 'a', cents: 500 });
    const [result] = await hostilePeer(server.url, [
      { subject: charge(), body: nestPacket(charge(), refund) },
    ]);
    expect(replyOf(result!)).toMatchObject({
      ok: false,
      error: { name: 'EnvelopeError', code: 'CQRS_INVALID_ENVELOPE' },
    });
    expect(replyOf(result!).error!.message).toContain("must be 'billing.charge'");
    expect(billing.log.runs).toHaveLength(0);
    // The same peer, with a charge envelope on the charge subject, is served.
    const ok = rawEnvelope('command', 'billing.charge', { account: 'a', cents: 5 });
    const [served] = await hostilePeer(server.url, [{ subject: charge(), body: nestPacket(charge(), ok) }]);
    expect(replyOf(served!)).toEqual({ ok: true });
    expect(billing.log.ran('billing.charge')).toBe(1);
  });

  it('17.3: forged headers from the wire are dropped unless allowed; middleware sees origin remote and the transport', async () => {
    const envelope = rawEnvelope(
      'command',
      'billing.charge',
      { account: 'a', cents: 1 },
      {
        headers: {
          'x-user-id': 'root',
          'x-role': 'admin',
          'x-tenant': 't1',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
      },
    );
    const [result] = await hostilePeer(server.url, [
      { subject: charge(), body: nestPacket(charge(), envelope) },
    ]);
    expect(replyOf(result!)).toEqual({ ok: true });
    const [run] = billing.log.runs;
    expect(run!.context.headers).toEqual({
      'x-tenant': 't1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'cqrs-transport': 'nats',
    });
    expect(run!.context.origin).toBe('remote');
    expect(billing.log.decisions).toEqual([{ name: 'billing.charge', origin: 'remote', role: undefined }]);
  });

  it('17.3: a local dispatch is origin local, with its headers as given', async () => {
    await billing.app.get(CommandBus).dispatch(new Charge('a', 1), { headers: { 'x-role': 'admin' } });
    expect(billing.log.decisions).toEqual([{ name: 'billing.charge', origin: 'local', role: 'admin' }]);
  });

  it('17.10: every malformed request gets an EnvelopeError answer and runs nothing', async () => {
    const bodies: unknown[] = [
      new Uint8Array(),
      new Uint8Array([0xff, 0xfe, 0x00, 0x81]),
      '{"pattern":',
      'not json',
      '42',
      '"text"',
      'null',
      'true',
      '[]',
      '[1,2,3]',
      '{}',
      { pattern: charge(), data: null, id: 'x1' },
      { pattern: charge(), data: 'text', id: 'x2' },
      { pattern: charge(), data: [], id: 'x3' },
      { pattern: charge(), data: { name: 'billing.charge' }, id: 'x4' },
      JSON.stringify(
        nestPacket(charge(), rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 })),
      ).replace('"payload":{', '"payload":{"__proto__":{"polluted":true},'),
      rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 }, { kind: 'query' }),
    ];
    const results = await hostilePeer(
      server.url,
      bodies.map((body) => ({ subject: charge(), body, timeoutMs: 2000 })),
    );
    for (const [i, result] of results.entries()) {
      expect([i, result!.error]).toEqual([i, undefined]);
      expect([i, replyOf(result!)]).toEqual([
        i,
        { ok: false, error: expect.objectContaining({ code: 'CQRS_INVALID_ENVELOPE' }) },
      ]);
    }
    expect(billing.log.runs).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('17.10: a message published without a reply subject is never run', async () => {
    const envelope = rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 });
    await hostilePeer(server.url, [
      { subject: charge(), body: nestPacket(charge(), envelope), request: false },
      { subject: charge(), body: envelope, request: false },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(billing.log.runs).toHaveLength(0);
  });

  it('17.9: limits are refused with an EnvelopeError naming the limit, before the handler', async () => {
    const big = 'x'.repeat(512 * 1024);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const headers = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`h${i}`, 'v']));
    const cases: Array<[string, Record<string, unknown>]> = [
      ['maxPayloadBytes', rawEnvelope('command', 'billing.charge', { account: big, cents: 1 })],
      ['maxDepth', rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1, deep })],
      ['maxHeaders', rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 }, { headers })],
      [
        'maxHeaderLength',
        rawEnvelope(
          'command',
          'billing.charge',
          { account: 'a', cents: 1 },
          { headers: { 'x-tenant': 'y'.repeat(5000) } },
        ),
      ],
      [
        'idPattern',
        rawEnvelope(
          'command',
          'billing.charge',
          { account: 'a', cents: 1 },
          { id: 'evil\nINFO forged log line' },
        ),
      ],
      [
        'idPattern',
        rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 }, { correlationId: 'a b' }),
      ],
    ];
    const results = await hostilePeer(
      server.url,
      cases.map(([, envelope]) => ({ subject: charge(), body: nestPacket(charge(), envelope) })),
    );
    for (const [i, [limit]] of cases.entries()) {
      const reply = replyOf(results[i]!);
      expect([limit, reply.ok, reply.error?.code]).toEqual([limit, false, 'CQRS_INVALID_ENVELOPE']);
      expect(reply.error!.message).toContain(limit);
    }
    expect(billing.log.runs).toHaveLength(0);
  });

  it('17.12: a timestamp far in the future is refused', async () => {
    const envelope = rawEnvelope(
      'command',
      'billing.charge',
      { account: 'a', cents: 1 },
      { timestamp: '9999-12-31T00:00:00.000Z' },
    );
    const [result] = await hostilePeer(server.url, [
      { subject: charge(), body: nestPacket(charge(), envelope) },
    ]);
    expect(replyOf(result!)).toMatchObject({ ok: false, error: { code: 'CQRS_UNAUTHENTICATED' } });
    expect(replyOf(result!).error!.message).toContain('from-the-future');
    expect(billing.log.runs).toHaveLength(0);
  });

  it('17.8: work whose caller already gave up (cqrs-deadline passed) is answered with a timeout and not run', async () => {
    const envelope = rawEnvelope(
      'command',
      'billing.charge',
      { account: 'a', cents: 1 },
      { headers: { 'cqrs-deadline': String(Date.now() - 1) } },
    );
    const [result] = await hostilePeer(server.url, [
      { subject: charge(), body: nestPacket(charge(), envelope) },
    ]);
    expect(replyOf(result!)).toMatchObject({ ok: false, error: { code: 'CQRS_REMOTE_TIMEOUT' } });
    expect(replyOf(result!).error!.message).toContain('without running it');
    expect(billing.log.runs).toHaveLength(0);
  });

  it('counts what it refused by code and reports each refusal to onRefused', async () => {
    const before = { ...receiverOf(billing).refusals };
    const envelope = rawEnvelope('command', 'billing.refund', { account: 'a', cents: 1 });
    await hostilePeer(server.url, [{ subject: charge(), body: nestPacket(charge(), envelope) }]);
    expect(receiverOf(billing).refusals['CQRS_INVALID_ENVELOPE']).toBe(
      (before['CQRS_INVALID_ENVELOPE'] ?? 0) + 1,
    );
    expect(refused.at(-1)).toEqual({
      code: 'CQRS_INVALID_ENVELOPE',
      kind: 'command',
      subjectName: 'billing.charge',
      transport: 'nats',
    });
  });

  it('a Nest sender still gets true answers through all of this', async () => {
    const sender = await startBillingSender(server.url, billing.prefix);
    try {
      await sender
        .get(CommandBus)
        .dispatch(new Charge('a', 3), { headers: { 'x-tenant': 't9', 'x-role': 'admin' } });
      await expect(sender.get(QueryBus).ask(new Balance('a'))).resolves.toBe(100);
      const [run] = billing.log.runs;
      expect(run!.context.headers['x-tenant']).toBe('t9');
      expect(run!.context.headers['x-role']).toBeUndefined();
    } finally {
      await sender.close();
    }
  });
});

/** The receiver of the billing service's controller. */
function receiverOf(billing: Billing): { refusals: Record<string, number> } {
  const controllers = (
    billing.app as unknown as {
      container: { getModules(): Map<string, { controllers: Map<unknown, { instance: unknown }> }> };
    }
  ).container.getModules();
  for (const module of controllers.values()) {
    for (const wrapper of module.controllers.values()) {
      const receiver = (wrapper.instance as { receiver?: { refusals: Record<string, number> } } | undefined)
        ?.receiver;
      if (receiver) return receiver;
    }
  }
  throw new Error('no receiver');
}

export type { RawMessage };
