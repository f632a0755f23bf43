/**
 * Raw wire bytes into the receiver (issue 17): fast-check generates bytes, JSON values and
 * mutated envelopes, fed through CqrsNatsDeserializer and the shared receiver in-process (many
 * runs), then a sample over real NATS from a hostile peer process. For every request: a reply,
 * no handler run unless the reply says it succeeded, no prototype touched, memory bounded.
 * Also the sender's side: forged replies end as a CqrsError.
 */
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { CommandBus, CqrsError, Message, MessageValidationError, QueryBus } from '../../../lib/index.js';
import {
  CqrsNatsDeserializer,
  EnvelopeReceiver,
  MessageAuthenticationError,
  MessageAuthenticator,
  openReply,
  RemoteError,
  type WireReply,
} from '../../../lib/transport/index.js';
import { MALFORMED_REQUEST } from '../../../lib/transport/cqrs-nats.deserializer.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import { startBilling, type Billing } from './billing-apps.js';
import { hostilePeer, replyOf } from './hostile-peer.js';

// Real servers and processes on a shared machine: allow more than Jest's default 5 s.
jest.setTimeout(60_000);

@Message({ name: 'fuzz.cmd' })
class FuzzCommand {
  constructor(readonly text: string) {}
}

const validEnvelope = (text: string) => {
  const id = randomUUID();
  return {
    id,
    name: 'fuzz.cmd',
    version: 1,
    kind: 'command',
    correlationId: id,
    timestamp: new Date().toISOString(),
    headers: {},
    payload: { text },
  };
};

/** Bytes as a hostile peer may send them. */
const wireBytes = (): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 6 }).map((value) => Buffer.from(JSON.stringify(value) ?? '')),
    fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(text)),
    fc
      .record(
        {
          id: fc.oneof(fc.uuid(), fc.string(), fc.constant('a\nb'), fc.integer()),
          name: fc.oneof(fc.constant('fuzz.cmd'), fc.constant('__proto__'), fc.string()),
          version: fc.oneof(fc.constant(1), fc.integer(), fc.string()),
          kind: fc.oneof(fc.constant('command'), fc.constant('query'), fc.string()),
          correlationId: fc.oneof(fc.uuid(), fc.string()),
          timestamp: fc.oneof(
            fc.constant(new Date().toISOString()),
            fc.constant('9999-01-01T00:00:00Z'),
            fc.string(),
          ),
          headers: fc.oneof(
            fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 }),
            fc.jsonValue({ maxDepth: 2 }),
          ),
          payload: fc.oneof(fc.record({ text: fc.string() }), fc.jsonValue({ maxDepth: 4 })),
        },
        { requiredKeys: [] },
      )
      .map((envelope) => {
        const json = JSON.stringify({ pattern: 'p', data: envelope, id: 'fz1' });
        // Sometimes a key that JSON.parse turns into an own "__proto__" property.
        return Buffer.from(json.replace('"payload":{', '"payload":{"__proto__":{"polluted":1},'));
      }),
    fc
      .string({ maxLength: 30 })
      .map((text) => Buffer.from(JSON.stringify({ pattern: 'p', data: validEnvelope(text), id: 'ok1' }))),
  );

describe('raw wire bytes into the receiver (in-process, fast-check)', () => {
  const runs: object[] = [];
  const commandBus = new CommandBus();
  commandBus.register(FuzzCommand, (command: FuzzCommand) => {
    runs.push(command);
  });
  const receiver = new EnvelopeReceiver(
    { commandBus, queryBus: new QueryBus() },
    { commands: [FuzzCommand] },
    { transport: 'nats', role: 'server' },
  );
  const deserializer = new CqrsNatsDeserializer();

  /** What CqrsRemoteModule.serve()'s controller does with one deserialized packet. */
  const answer = async (bytes: Uint8Array): Promise<WireReply> => {
    const packet = deserializer.deserialize(
      { data: bytes, reply: '_INBOX.x' },
      { channel: 'cqrs.command.fuzz.cmd' },
    );
    expect(packet.id).toBeDefined();
    const data = packet.data as Record<symbol, unknown> | null;
    if (typeof data === 'object' && data !== null && data[MALFORMED_REQUEST]) {
      return {
        ok: false,
        error: {
          name: 'EnvelopeError',
          code: 'CQRS_INVALID_ENVELOPE',
          message: String((data as { reason?: string }).reason),
        },
      };
    }
    return receiver.reply('command', 'fuzz.cmd', packet.data);
  };

  it('17.10: a reply for every request, a handler run only for a valid envelope, no prototype touched, memory bounded', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();
    await fc.assert(
      fc.asyncProperty(wireBytes(), async (bytes) => {
        const before = runs.length;
        const reply = await answer(bytes);
        expect(typeof reply.ok).toBe('boolean');
        if (reply.ok) expect(runs.length).toBe(before + 1);
        else {
          expect(runs.length).toBe(before);
          expect(reply.error.code).toMatch(/^CQRS_/);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).join()).toBe(prototypeKeys);
    expect(runs.length).toBeGreaterThan(0); // the generator does reach the handler
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('forged replies on the sender', () => {
  it('17.11: whatever a reply holds, opening it throws a CqrsError (never a TypeError or RangeError)', () => {
    let deep: Record<string, unknown> = { property: 'x' };
    for (let i = 0; i < 20_000; i++) deep = { property: 'x', children: [deep] };
    const forged: unknown[] = [
      { ok: false, error: { code: 'CQRS_VALIDATION_FAILED', errors: [null] } },
      { ok: false, error: { code: 'CQRS_VALIDATION_FAILED', errors: [deep] } },
      { ok: false, error: { code: 'CQRS_VALIDATION_FAILED', errors: [{ property: 1 }] } },
      {
        ok: false,
        error: { code: 'CQRS_VALIDATION_FAILED', errors: [{ property: 'a', constraints: { x: 1 } }] },
      },
      { ok: false, error: null },
      { ok: false, error: 'text' },
      [],
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap');
          },
        },
      ),
    ];
    for (const reply of forged) {
      let thrown: unknown;
      try {
        openReply(reply, 'command', FuzzCommand);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CqrsError);
    }
    // A well-formed validation reply still revives as MessageValidationError.
    expect(() =>
      openReply(
        {
          ok: false,
          error: {
            code: 'CQRS_VALIDATION_FAILED',
            errors: [{ property: 'a', constraints: { isEmail: 'a must be an email' } }],
          },
        },
        'command',
        FuzzCommand,
      ),
    ).toThrow(MessageValidationError);
  });

  it('17.4: a signed reply must be signed by an accepted key, for this very request', () => {
    const key = { id: 'k1', secret: 'k'.repeat(32) };
    const receiverSide = new MessageAuthenticator({ signingKey: key }, 'test');
    const senderSide = new MessageAuthenticator({ verificationKeys: { k1: key.secret } }, 'test');
    const attacker = new MessageAuthenticator({ signingKey: { id: 'k1', secret: 'x'.repeat(32) } }, 'test');
    const signed = receiverSide.signReply({ ok: true, result: 1 }, 'req-1');
    expect(openReply(signed, 'query', FuzzCommand, { authenticator: senderSide, requestId: 'req-1' })).toBe(
      1,
    );
    for (const [reply, requestId, reason] of [
      [{ ok: true, result: 1 }, 'req-1', 'unsigned'],
      [signed, 'req-2', 'bad-signature'],
      [{ ...signed, result: 2 }, 'req-1', 'bad-signature'],
      [attacker.signReply({ ok: true, result: 1 }, 'req-1'), 'req-1', 'bad-signature'],
    ] as const) {
      expect(() => openReply(reply, 'query', FuzzCommand, { authenticator: senderSide, requestId })).toThrow(
        expect.objectContaining({ reason }) as unknown as MessageAuthenticationError,
      );
    }
    expect(() => new MessageAuthenticator({ signingKey: { id: 'k', secret: 'short' } }, 'test')).toThrow(
      /at least 32 bytes/,
    );
    expect(RemoteError).toBeDefined();
  });
});

describeWithServer('nats')('raw wire bytes over real NATS (a hostile peer process)', () => {
  let server: TestServer;
  let billing: Billing;

  beforeAll(async () => {
    server = await startServer('nats');
    billing = await startBilling(server.url);
  });
  afterAll(async () => {
    await billing?.close();
    await server?.stop();
  });

  it('17.10: every one of 150 requests (140 generated, 10 valid) is answered, and only the valid ones run', async () => {
    const subject = billing.subject('command', 'billing.charge');
    const valid = Array.from({ length: 10 }, (_, i) => ({
      ...validEnvelope(''),
      name: 'billing.charge',
      payload: { account: `a${i}`, cents: i },
    }));
    const samples: unknown[] = [...fc.sample(wireBytes(), { numRuns: 140, seed: 17 }), ...valid];
    const results = await hostilePeer(
      server.url,
      samples.map((body) => ({ subject, body, timeoutMs: 3000 })),
    );
    let succeeded = 0;
    for (const result of results) {
      expect(result!.error).toBeUndefined();
      if (replyOf(result!).ok) succeeded++;
    }
    // Generated envelopes name fuzz.cmd, not billing.charge: only the ten valid charges run.
    expect(succeeded).toBe(10);
    expect(billing.log.runs).toHaveLength(10);
  });
});
