/**
 * Runs test/transport/fixtures/hostile-peer.mjs: a separate process that speaks raw NATS to the
 * receiver under test, as an attacker on the same broker would.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../package/built-package.js';

/** One raw message the peer sends. */
export interface RawMessage {
  subject: string;
  /** The body: bytes, or a value sent as its JSON. */
  body: Uint8Array | string | unknown;
  /** `false`: publish without a reply subject. */
  request?: boolean;
  timeoutMs?: number;
}

/** What came back for one message: the reply's text, or the error (a timeout, a permission violation). */
export interface PeerResult {
  reply?: string;
  error?: string;
  published?: boolean;
}

/** A Nest packet as `ClientProxy.send()` writes it, with `data` as the envelope. */
export function nestPacket(
  subject: string,
  data: unknown,
  id = `hostile-${Math.random().toString(36).slice(2)}`,
) {
  return { pattern: subject, data, id };
}

/** Sends `messages` from a process of its own; resolves to one result per message, in order. */
export function hostilePeer(
  url: string,
  messages: RawMessage[],
  login?: { user: string; pass: string },
): Promise<PeerResult[]> {
  const script = fileURLToPath(new URL('../fixtures/hostile-peer.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NATS_URL: url,
      ...(login ? { NATS_USER: login.user, NATS_PASS: login.pass } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const encoded = messages.map(({ body, ...rest }) => ({
    ...rest,
    body: Buffer.from(
      body instanceof Uint8Array ? body : typeof body === 'string' ? body : JSON.stringify(body),
    ).toString('base64'),
  }));
  child.stdin!.end(JSON.stringify(encoded));
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (!out.includes('done')) return reject(new Error(`hostile peer exited with ${code}: ${err}`));
      const results: PeerResult[] = [];
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const { index, ...result } = JSON.parse(line) as PeerResult & { index: number };
        results[index] = result;
      }
      resolve(results);
    });
  });
}

/** The `response` of a Nest reply packet, parsed. */
export function replyOf(
  result: PeerResult,
): { ok: boolean; error?: { name: string; code?: string; message: string } } & Record<string, unknown> {
  if (result.reply === undefined) throw new Error(`no reply: ${result.error ?? 'published'}`);
  const packet = JSON.parse(result.reply) as { response?: unknown; err?: unknown };
  return (packet.response ?? packet) as never;
}
