/**
 * The message brokers the remote and queue groups measure against: a nats-server or a
 * redis-server (appendonly, as in production) of this machine, started on a free port for one
 * group and stopped by it. Without the binary the group is skipped: `startServer` emits the skip
 * and exits the process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emit, progress } from './harness.js';

const BINARY = { nats: 'nats-server', redis: 'redis-server' };

/**
 * Starts the broker and resolves to `{ url, stop() }` once it accepts connections. `jetstream`
 * starts nats-server with JetStream and file storage in a temporary directory.
 */
export async function startServer(kind, groupName, { jetstream = false } = {}) {
  const binary = BINARY[kind];
  if (spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0) {
    progress(`${binary} is not installed: skipping ${groupName}`);
    emit({ skipped: `${binary} is not installed` });
    process.exit(0);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  const args =
    kind === 'nats'
      ? ['-a', '127.0.0.1', '-p', String(port), ...(jetstream ? ['-js', '-sd', dir] : [])]
      : ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--save', ''];
  const server = spawn(binary, args, { stdio: 'ignore' });
  while (!(await accepts(port))) await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    url: `${kind}://127.0.0.1:${port}`,
    stop() {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    connect(port, '127.0.0.1')
      .once('connect', function () {
        this.destroy();
        resolve(true);
      })
      .once('error', () => resolve(false));
  });
}
