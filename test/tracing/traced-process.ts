/**
 * A traced service in a child process (fixtures/*.mjs, against the built package): started with
 * its environment, read back through the spans it prints as JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../package/built-package.js';

/** A span as the child process printed it. */
export interface PrintedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  parentIsRemote: boolean | undefined;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  pid: number;
}

export interface TracedProcess {
  readonly child: ChildProcess;
  /** Every span printed so far. */
  readonly spans: PrintedSpan[];
  /** Waits until `count` spans match `where`, and returns them (in print order). */
  spansWhere(where: (span: PrintedSpan) => boolean, count?: number): Promise<PrintedSpan[]>;
  stop(): Promise<void>;
}

/** Starts `fixtures/<script>` and resolves once it printed "ready". */
export function startTracedProcess(script: string, env: Record<string, string>): Promise<TracedProcess> {
  const path = fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url));
  const child = spawn(process.execPath, [path], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spans: PrintedSpan[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const traced: TracedProcess = {
    child,
    spans,
    async spansWhere(where, count = 1) {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const found = spans.filter(where);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `expected ${count} matching spans from ${script}, got ${found.length}; it printed: ${spans.map((s) => s.name).join(', ')}. stderr: ${stderr}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
  };
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') resolve(traced);
        else if (line.startsWith('span ')) spans.push(JSON.parse(line.slice(5)) as PrintedSpan);
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
}
