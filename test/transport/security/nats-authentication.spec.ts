/**
 * Optional message authentication over real NATS (issue 17 item 4): HMAC-SHA256 over the
 * canonical envelope and over replies, key ids for rotation, replay protection; and the
 * receiver's concurrency limit (item 8).
 */
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { CommandBus, QueryBus } from '../../../lib/index.js';
import {
  MessageAuthenticationError,
  MessageAuthenticator,
  RemoteError,
  SIGNATURE_HEADER,
} from '../../../lib/transport/index.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import {
  Balance,
  Charge,
  rawEnvelope,
  startBilling,
  startBillingSender,
  type Billing,
} from './billing-apps.js';
import { hostilePeer, nestPacket, replyOf } from './hostile-peer.js';

// Real servers and processes on a shared machine: allow more than Jest's default 5 s.
jest.setTimeout(60_000);

const OLD = { id: 'k-2025', secret: randomBytes(32).toString('base64') };
const NEW = { id: 'k-2026', secret: randomBytes(32).toString('base64') };

describeWithServer('nats')('message authentication over NATS', () => {
  let server: TestServer;
  let billing: Billing;
  const charge = () => billing.subject('command', 'billing.charge');

  beforeAll(async () => {
    server = await startServer('nats');
    // Mid-rotation: the receiver signs with the new key and accepts both.
    billing = await startBilling(server.url, {
      authentication: { signingKey: NEW, verificationKeys: { [OLD.id]: OLD.secret, [NEW.id]: NEW.secret } },
      replayProtection: { window: 1000, maxAgeMs: 30_000 },
    });
  });
  afterAll(async () => {
    await billing?.close();
    await server?.stop();
  });
  beforeEach(() => (billing.log.runs.length = 0));

  it('17.4: a sender signing with either key of the rotation is served, and verifies the signed replies', async () => {
    for (const signingKey of [OLD, NEW]) {
      const sender = await startBillingSender(server.url, billing.prefix, {
        authentication: { signingKey, verificationKeys: { [NEW.id]: NEW.secret } },
      });
      try {
        await sender.get(CommandBus).dispatch(new Charge('a', 1));
        await expect(sender.get(QueryBus).ask(new Balance('a'))).resolves.toBe(100);
      } finally {
        await sender.close();
      }
    }
    expect(billing.log.ran('billing.charge')).toBe(2);
    // The signature is consumed by the receiver: the handler's context does not carry it.
    expect(billing.log.runs[0]!.context.headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it('17.4: unsigned, unknown-key and tampered envelopes are refused with CQRS_UNAUTHENTICATED; nothing runs', async () => {
    const attacker = new MessageAuthenticator(
      { signingKey: { id: NEW.id, secret: randomBytes(32) } },
      'test',
    );
    const stranger = new MessageAuthenticator(
      { signingKey: { id: 'k-evil', secret: randomBytes(32) } },
      'test',
    );
    const genuine = new MessageAuthenticator({ signingKey: NEW }, 'test');
    const tampered = genuine.signEnvelope(
      rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 }) as never,
    ) as Record<string, unknown>;
    (tampered.payload as Record<string, unknown>).cents = 1_000_000;
    const cases: Array<[string, Record<string, unknown>]> = [
      ['unsigned', rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 })],
      [
        'bad-signature',
        attacker.signEnvelope(rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 }) as never),
      ],
      [
        'unknown-key',
        stranger.signEnvelope(rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 }) as never),
      ],
      ['bad-signature', tampered],
    ];
    const results = await hostilePeer(
      server.url,
      cases.map(([, envelope]) => ({ subject: charge(), body: nestPacket(charge(), envelope) })),
    );
    for (const [i, [reason]] of cases.entries()) {
      const reply = replyOf(results[i]!);
      expect([reason, reply.error?.code]).toEqual([reason, 'CQRS_UNAUTHENTICATED']);
      expect(reply.error!.message).toContain(`(${reason})`);
    }
    expect(billing.log.runs).toHaveLength(0);
  });

  it('17.12: a captured signed envelope replayed is refused; one older than maxAgeMs too', async () => {
    const genuine = new MessageAuthenticator({ signingKey: OLD }, 'test');
    const captured = genuine.signEnvelope(
      rawEnvelope('command', 'billing.charge', { account: 'a', cents: 1 }) as never,
    );
    const old = genuine.signEnvelope(
      rawEnvelope(
        'command',
        'billing.charge',
        { account: 'a', cents: 1 },
        { timestamp: new Date(Date.now() - 60_000).toISOString() },
      ) as never,
    );
    const first = await hostilePeer(server.url, [
      { subject: charge(), body: nestPacket(charge(), captured) },
    ]);
    expect(replyOf(first[0]!)).toMatchObject({ ok: true });
    const again = await hostilePeer(server.url, [
      { subject: charge(), body: nestPacket(charge(), captured) },
      { subject: charge(), body: nestPacket(charge(), old) },
    ]);
    expect(replyOf(again[0]!).error!.message).toContain('(replayed)');
    expect(replyOf(again[1]!).error!.message).toContain('(expired)');
    expect(billing.log.ran('billing.charge')).toBe(1);
  });

  it('17.4: a sender refuses an unsigned or forged reply with MessageAuthenticationError (a CqrsError)', async () => {
    const unsigned = await startBilling(server.url, {});
    const sender = await startBillingSender(server.url, unsigned.prefix, {
      authentication: { signingKey: OLD },
    });
    try {
      const error = await sender
        .get(QueryBus)
        .ask(new Balance('a'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageAuthenticationError);
      expect(error).toMatchObject({ reason: 'unsigned', code: 'CQRS_UNAUTHENTICATED' });
    } finally {
      await sender.close();
      await unsigned.close();
    }
  });
});

describeWithServer('nats')('receiver backpressure', () => {
  let server: TestServer;
  let billing: Billing;

  beforeAll(async () => {
    server = await startServer('nats');
    billing = await startBilling(server.url, { maxInFlight: 2, maxQueued: 1 });
  });
  afterAll(async () => {
    await billing?.close();
    await server?.stop();
  });

  it('17.8: beyond maxInFlight + maxQueued a request is refused with ReceiverBusyError at once, without running', async () => {
    const sender = await startBillingSender(server.url, billing.prefix);
    try {
      const asks = Array.from({ length: 6 }, () =>
        sender
          .get(QueryBus)
          .ask(new Balance('a', 300))
          .then(
            () => 'ok',
            (e: unknown) => (e as RemoteError).code,
          ),
      );
      const outcomes = await Promise.all(asks);
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
      expect(outcomes.filter((o) => o === 'CQRS_RECEIVER_BUSY')).toHaveLength(3);
      expect(billing.log.ran('billing.balance')).toBe(3);
    } finally {
      await sender.close();
    }
  });

  it('17.8: a queued request whose deadline passes while waiting is dropped with a timeout, not run', async () => {
    billing.log.runs.length = 0;
    const sender = await startBillingSender(server.url, billing.prefix);
    try {
      const slow = [0, 1].map(() => sender.get(QueryBus).ask(new Balance('a', 600)));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const waiting = await sender
        .get(QueryBus)
        .ask(new Balance('late'), { headers: { 'cqrs-timeout': '200' } })
        .catch((e: unknown) => e);
      expect(waiting).toMatchObject({ code: 'CQRS_REMOTE_TIMEOUT' });
      await Promise.all(slow);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(billing.log.runs.map((run) => (run.message as Balance).account)).toEqual(['a', 'a']);
    } finally {
      await sender.close();
    }
  });
});
