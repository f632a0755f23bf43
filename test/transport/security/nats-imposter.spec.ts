/**
 * Issue 17 item 4: a peer that joins the receiver's queue group answers part of the requests
 * with forged replies. Without authentication the sender cannot tell; with it, every forged
 * answer is refused (MessageAuthenticationError) and only the real service's answers are taken.
 * (NATS subscribe permissions keep such a peer out of the group in the first place: see
 * nats-permissions.spec.ts and docs/security.md.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { QueryBus } from '../../../lib/index.js';
import { repoRoot } from '../../package/built-package.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import { Balance, startBilling, startBillingSender, type Billing } from './billing-apps.js';

function imposter(url: string, subject: string): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('../fixtures/hostile-responder.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NATS_URL: url,
      SUBJECT: subject,
      QUEUE: 'billing',
      RESPONSE: JSON.stringify({ ok: true, result: 999_999 }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => String(chunk).includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`imposter exited with ${code}`)));
  });
}

const KEY = { id: 'billing-1', secret: randomBytes(32) };

describeWithServer('nats')('an imposter in the queue group', () => {
  let server: TestServer;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    server = await startServer('nats');
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const askMany = async (billing: Billing, authenticated: boolean) => {
    child = await imposter(server.url, billing.subject('query', 'billing.balance'));
    const sender = await startBillingSender(
      server.url,
      billing.prefix,
      authenticated ? { authentication: { signingKey: KEY } } : {},
    );
    try {
      return await Promise.all(
        Array.from({ length: 40 }, () =>
          sender
            .get(QueryBus)
            .ask(new Balance('a'))
            .then(
              (balance) => String(balance),
              (e: unknown) => (e as { code?: string }).code ?? String(e),
            ),
        ),
      );
    } finally {
      await sender.close();
      await billing.close();
    }
  };

  it('17.4: (why) without authentication, forged answers are taken as the service’s', async () => {
    const billing = await startBilling(server.url, { extras: { queue: 'billing' } });
    const outcomes = await askMany(billing, false);
    expect(outcomes).toContain('999999');
  });

  it('17.4: with authentication, every forged answer is refused and only real ones are taken', async () => {
    const billing = await startBilling(server.url, {
      extras: { queue: 'billing' },
      authentication: { signingKey: KEY },
    });
    const outcomes = await askMany(billing, true);
    expect(outcomes).not.toContain('999999');
    expect(outcomes).toContain('100');
    expect(outcomes).toContain('CQRS_UNAUTHENTICATED');
    expect(outcomes.every((o) => o === '100' || o === 'CQRS_UNAUTHENTICATED')).toBe(true);
  });
});
