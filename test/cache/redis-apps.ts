import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import type { INestApplication } from '@nestjs/common';
import { createKeyv } from '@keyv/redis';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, createServer } from 'node:net';
import {
  Cacheable,
  CommandHandler,
  CqrsLiteModule,
  InvalidatesCache,
  Query,
  QueryHandler,
  type CacheManagerStore,
} from '../../lib/index.js';
import { createApp } from '../nest/test-app.js';

/*
 * Two Nest applications as two processes would run them: each with its own
 * `@nestjs/cache-manager` CacheModule over `@keyv/redis`, sharing one Redis and one "database"
 * (a Map standing in for the data both read and write).
 */

/** The data the applications share, and how often each application's handler ran. */
export const database = new Map<string, number>();

/** Reads a counter; cached per name, tagged with it. */
@Cacheable({ tags: (q: GetCounter) => [`counter:${q.name}`] })
export class GetCounter extends Query<number> {
  constructor(readonly name: string) {
    super();
  }
}

/** Adds to a counter; makes its cached reads stale. */
@InvalidatesCache((c: Increment) => [`counter:${c.name}`])
export class Increment {
  constructor(
    readonly name: string,
    readonly by = 1,
  ) {}
}

/** Counts handler runs per application (keyed by the app's label). */
export const handlerRuns = new Map<string, number>();

function handlersFor(label: string) {
  @QueryHandler(GetCounter)
  class GetCounterHandler {
    execute(query: GetCounter) {
      handlerRuns.set(label, (handlerRuns.get(label) ?? 0) + 1);
      return database.get(query.name) ?? 0;
    }
  }
  @CommandHandler(Increment)
  class IncrementHandler {
    execute(command: Increment) {
      database.set(command.name, (database.get(command.name) ?? 0) + command.by);
    }
  }
  return [GetCounterHandler, IncrementHandler];
}

/** One application: CacheModule over Redis at `url`, CqrsLiteModule caching through CACHE_MANAGER. */
export async function startApp(
  label: string,
  url: string,
  options: { namespace: string; timeout?: number },
): Promise<INestApplication> {
  return createApp({
    imports: [
      CacheModule.register({ isGlobal: true, stores: [createKeyv(url)] }),
      CqrsLiteModule.forRootAsync({
        inject: [CACHE_MANAGER],
        useFactory: (store: CacheManagerStore) => ({ cache: { store, ...options } }),
      }),
    ],
    providers: handlersFor(label),
  });
}

/** A namespace of this test's own, so that test files sharing CI's Redis never see each other's keys. */
export function testNamespace(): string {
  return `cqrs-test-${randomUUID()}`;
}

/** A redis-server of the test's own that can be stopped (SIGKILL) and started again on its port. */
export interface OwnRedis {
  readonly url: string;
  stop(): Promise<void>;
  /** Starts it again (nothing when it runs). */
  start(): Promise<void>;
}

/** Starts a redis-server (no persistence: a restart comes back empty) on a free port. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child !== undefined) return;
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port);
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return resolve();
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
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

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
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
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

/** Until `attempt` passes (retrying every 100 ms), for at most `ms`. */
export async function eventually<T>(attempt: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
