/**
 * The NATS and Redis servers the transport integration tests talk to. CI (.ci/run) starts them
 * and passes NATS_URL / REDIS_URL. Elsewhere, a test file starts its own from the Debian binaries
 * (nats-server, redis-server) on free ports, or, when they are not installed, its integration
 * tests are skipped, never silently under CI (CI=true makes a missing server an error).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestServer {
  /** nats://… or redis://… */
  readonly url: string;
  readonly port: number;
  /** Stops the server (if this process started it). */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL and starts it again on the same port (and data directory). */
  restart?(): Promise<void>;
}

type Kind = 'nats' | 'redis';

const BINARY: Record<Kind, string> = { nats: 'nats-server', redis: 'redis-server' };
const ENV: Record<Kind, string> = { nats: 'NATS_URL', redis: 'REDIS_URL' };

/** Whether the server can be had: given by the environment, or startable here. */
export function serverAvailable(kind: Kind): boolean {
  if (process.env[ENV[kind]]) return true;
  const found = spawnSync('sh', ['-c', `command -v ${BINARY[kind]}`]).status === 0;
  if (!found && process.env.CI) {
    throw new Error(
      `${BINARY[kind]} is not installed and ${ENV[kind]} is not set: CI must provide it (.ci/run).`,
    );
  }
  return found;
}

/** `describe`, or `describe.skip` with a note when the server cannot be had. */
export function describeWithServer(kind: Kind): jest.Describe {
  if (serverAvailable(kind)) return describe;
  process.stderr.write(`Skipping ${kind} integration tests: install ${BINARY[kind]} or set ${ENV[kind]}.\n`);
  return describe.skip;
}

/**
 * The server for a test file: the one from the environment, or one started for this file (its
 * own process, so tests may kill and restart it).
 */
export async function startServer(kind: Kind, options: { own?: boolean } = {}): Promise<TestServer> {
  const given = process.env[ENV[kind]];
  if (given && !options.own) {
    return { url: given, port: Number(new URL(given).port), stop: async () => undefined };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `cqrs-${kind}-`));
  let child: ChildProcess = launch(kind, port, dir);
  await waitForPort(port);
  return {
    url: `${kind}://127.0.0.1:${port}`,
    port,
    async stop() {
      await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await kill(child);
      child = launch(kind, port, dir);
      await waitForPort(port);
    },
  };
}

function launch(kind: Kind, port: number, dir: string): ChildProcess {
  const args =
    kind === 'nats'
      ? ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]
      : ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--save', ''];
  return spawn(BINARY[kind], args, { stdio: 'ignore' });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
