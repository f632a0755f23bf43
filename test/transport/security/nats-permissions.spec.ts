/**
 * What NATS itself protects, and what the receiver adds (issue 17 items 2 and 4), with a real
 * nats-server started from a configuration file (docs/security.md shows the same file): the shop
 * may publish only billing.charge requests, the billing service may only subscribe to its own
 * subjects and answer. Subject permissions now mean something, because the receiver binds the
 * subject to the envelope's name.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '../../../lib/index.js';
import {
  Charge,
  rawEnvelope,
  Refund,
  startBilling,
  startBillingSender,
  type Billing,
} from './billing-apps.js';
import { hostilePeer, nestPacket, replyOf } from './hostile-peer.js';

const PREFIX = 'acme';
const haveNats = spawnSync('sh', ['-c', 'command -v nats-server']).status === 0;

/** The configuration of docs/security.md, on `port`. */
function natsConfig(port: number): string {
  return `
host: 127.0.0.1
port: ${port}
authorization {
  users = [
    # The billing service: subscribes to its own subjects (in a queue group), answers requests.
    { user: billing, password: billing-secret,
      permissions: { subscribe: { allow: ["${PREFIX}.command.billing.>", "${PREFIX}.query.billing.>"] },
                     publish: { deny: [">"] }, allow_responses: true } }
    # The shop: may only request billing.charge, and read its own replies.
    { user: shop, password: shop-secret,
      permissions: { publish: { allow: ["${PREFIX}.command.billing.charge"] },
                     subscribe: { allow: ["_INBOX.>"] } } }
  ]
}
`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nats-server did not start on ${port}`);
}

(haveNats ? describe : describe.skip)('a nats-server with user permissions (configuration file)', () => {
  let child: ChildProcess;
  let dir: string;
  let port: number;
  let billing: Billing;
  const url = () => `nats://127.0.0.1:${port}`;
  const charge = `${PREFIX}.command.billing.charge`;

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'cqrs-nats-conf-'));
    writeFileSync(join(dir, 'nats.conf'), natsConfig(port));
    child = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
    await waitForPort(port);
    billing = await startBilling(
      url(),
      { subjectPrefix: PREFIX, extras: { queue: 'billing' } },
      { user: 'billing', pass: 'billing-secret' },
    );
  });
  afterAll(async () => {
    await billing?.close();
    child?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('17.2: the shop cannot publish on billing.refund at all (NATS refuses), and naming it in a charge envelope is refused by the receiver', async () => {
    const refund = rawEnvelope('command', 'billing.refund', { account: 'a', cents: 500 });
    const [direct, smuggled] = await hostilePeer(
      `nats://127.0.0.1:${port}`,
      [
        {
          subject: `${PREFIX}.command.billing.refund`,
          body: nestPacket(`${PREFIX}.command.billing.refund`, refund),
          timeoutMs: 1000,
        },
        { subject: charge, body: nestPacket(charge, refund) },
      ],
      { user: 'shop', pass: 'shop-secret' },
    );
    expect(direct!.reply).toBeUndefined();
    expect(direct!.error).toMatch(/permission|timeout|no responders/i);
    expect(replyOf(smuggled!)).toMatchObject({ ok: false, error: { code: 'CQRS_INVALID_ENVELOPE' } });
    expect(billing.log.ran('billing.refund')).toBe(0);
  });

  it('the shop, as a Nest sender with its credentials, charges; its refund never leaves the broker', async () => {
    const shop = await startBillingSender(
      url(),
      PREFIX,
      { timeout: 1_000 },
      { user: 'shop', pass: 'shop-secret' },
    );
    try {
      await shop.get(CommandBus).dispatch(new Charge('a', 5));
      expect(billing.log.ran('billing.charge')).toBe(1);
      await expect(shop.get(CommandBus).dispatch(new Refund('a', 5))).rejects.toMatchObject({
        code: expect.stringMatching(/CQRS_REMOTE_TIMEOUT|CQRS_TRANSPORT_UNAVAILABLE/),
      });
      expect(billing.log.ran('billing.refund')).toBe(0);
    } finally {
      await shop.close();
    }
  });
});
