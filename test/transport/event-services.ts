/**
 * Services in processes of their own for the cross-process event tests: each runs
 * test/transport/fixtures/event-service.mjs in a consumer project with the packed package
 * installed (`npm pack`, as a user's `npm install` of the tarball) and reports every delivery it
 * handled on stdout, which is collected here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumerProject } from '../package/built-package.js';

/** One delivery a service process reported. */
export interface HandledLine {
  readonly orderId: string;
  readonly id: string;
  /** `cqrs-delivery-attempt` (JetStream), `undefined` over plain NATS. */
  readonly attempt: number | undefined;
  readonly pid: number;
}

/** A running service process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Kills it with SIGKILL and resolves once it exited. */
  kill(): Promise<void>;
}

/** What every service process of a test reported, in arrival order. */
export class Deliveries {
  readonly lines: HandledLine[] = [];

  /** Distinct order ids handled (by the processes matching `pids`, when given). */
  distinct(pids?: number[]): Set<string> {
    return new Set(this.lines.filter((l) => !pids || pids.includes(l.pid)).map((l) => l.orderId));
  }

  /** Resolves once `check()` holds, or rejects after `timeoutMs` with `what` and the counts so far. */
  async until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) {
        const pids = [...new Set(this.lines.map((line) => line.pid))];
        const counts = pids.map((pid) => `${pid}: ${this.lines.filter((line) => line.pid === pid).length}`);
        throw new Error(
          `Timed out waiting for ${what} (deliveries so far by pid: ${counts.join(', ') || 'none'})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

const SCRIPT = fileURLToPath(new URL('./fixtures/event-service.mjs', import.meta.url));

/** What a service needs besides the package (linked from this repository's node_modules). */
const DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/microservices',
  '@nats-io/jetstream',
  '@nats-io/transport-node',
  'class-transformer',
  'reflect-metadata',
  'rxjs',
];

/** A consumer project with the packed package and the service script, made once per test file. */
export interface ServiceProject {
  readonly dir: string;
  readonly script: string;
  remove(): void;
}

/** Packs the package into a fresh consumer project and copies the service script there. */
export function serviceProject(): ServiceProject {
  const project = consumerProject('module', DEPENDENCIES);
  const script = join(project.dir, 'event-service.mjs');
  copyFileSync(SCRIPT, script);
  return { dir: project.dir, script, remove: project.remove };
}

/** Starts a service process and resolves once it reports "ready". */
export function startEventService(
  project: ServiceProject,
  env: {
    MODE: 'fanout' | 'jetstream';
    NATS_URL: string;
    PREFIX: string;
    SERVICE: string;
    STREAM?: string;
    SLOW_MS?: string;
  },
  deliveries: Deliveries,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [project.script], {
    cwd: project.dir,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let buffered = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    if (process.env.DEBUG_EVENT_SERVICES) process.stderr.write(chunk);
  });
  const service: ServiceProcess = {
    child,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') resolve(service);
        const [word, orderId, id, attempt, pid] = line.split(' ');
        if (word !== 'handled') continue;
        deliveries.lines.push({
          orderId: orderId!,
          id: id!,
          attempt: attempt === '-' ? undefined : Number(attempt),
          pid: Number(pid),
        });
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`service exited with ${code ?? signal}: ${stderr}`)),
    );
  });
}
