import { createKeyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Keyv } from 'keyv';
import { cacheStep, invalidationStep } from '../../lib/cache/cache.step.js';
import { Cacheable } from '../../lib/cache/cacheable.decorator.js';
import { InvalidatesCache } from '../../lib/cache/invalidates-cache.decorator.js';
import type { CacheManagerStore } from '../../lib/cache/query-cache-options.interface.js';
import { QueryCache } from '../../lib/cache/query-cache.js';
import { CommandBus, QueryBus } from '../../lib/core/index.js';
import { describeWithServer, startServer, type TestServer } from '../transport/servers.js';
import { silentLogger } from './cache-fixtures.js';

/*
 * The cache against a model (SPEC §13 Q2, Q3): random asks, commands (some failing), hand
 * invalidations and clears run concurrently, with random handler delays, on two "processes"
 * (two QueryCache instances, each with its own buses and flights) sharing one store — or on one
 * process with the in-memory store. The model is the data itself: an ask must never answer a
 * value older than what the last invalidating command that had completed before the ask was
 * made wrote, nor one that was never written.
 */

const KEYS = ['a', 'b', 'c'] as const;
type Key = (typeof KEYS)[number];

@Cacheable({ tags: (q: Read) => [`counter:${q.key}`] })
class Read {
  constructor(readonly key: Key) {}
}

@Cacheable({ tags: (q: ReadAll) => KEYS.map((key) => `counter:${key}`) })
class ReadAll {}

@InvalidatesCache((c: Bump) => [`counter:${c.key}`])
class Bump {
  constructor(
    readonly key: Key,
    readonly fail: boolean,
    readonly delay: number,
  ) {}
}

type Op =
  | { kind: 'read'; process: number; key: Key; delay: number; start: number }
  | { kind: 'readAll'; process: number; delay: number; start: number }
  | { kind: 'bump'; process: number; key: Key; fail: boolean; delay: number; start: number }
  | { kind: 'invalidate'; process: number; key: Key; start: number }
  | { kind: 'clear'; process: number; start: number };

/** Waits `n` turns: odd = setImmediate hops, even = microtask hops. */
function delay(n: number): Promise<void> {
  if (n % 2 === 1) return new Promise((resolve) => setImmediate(resolve));
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then();
  return p;
}

const key = fc.constantFrom(...KEYS);
const process_ = fc.integer({ min: 0, max: 1 });
const turns = fc.integer({ min: 0, max: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      process: process_,
      key,
      delay: turns,
      start: turns,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('readAll' as const),
      process: process_,
      delay: turns,
      start: turns,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('bump' as const),
      process: process_,
      key,
      fail: fc.boolean(),
      delay: turns,
      start: turns,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('invalidate' as const), process: process_, key, start: turns }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('clear' as const), process: process_, start: turns }),
  },
);
/** Groups of operations: the operations of a group run concurrently, groups one after another. */
const scenario = fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 });

/** Runs a scenario on two processes sharing `store`, or on one process with the in-memory store. */
async function run(groups: Op[][], store: CacheManagerStore | undefined): Promise<void> {
  const data: Record<Key, number> = { a: 0, b: 0, c: 0 };
  /** The value of each key as of the last bump whose dispatch has resolved. */
  const committed: Record<Key, number> = { a: 0, b: 0, c: 0 };
  /** What each successful bump wrote. */
  const written = new Map<Bump, number>();
  const namespace = `model-${randomUUID()}`;
  const processes = [0, 1].map(() => {
    const cache = new QueryCache(store ? { store, namespace } : true, silentLogger());
    const queryBus = new QueryBus();
    const commandBus = new CommandBus({ middleware: invalidationStep(cache) });
    queryBus.register(
      Read,
      async (q: Read) => {
        const value = data[q.key];
        await delay((value % 3) + 1);
        return value;
      },
      { middleware: cacheStep(cache, Read) },
    );
    queryBus.register(ReadAll, async () => ({ ...data }), { middleware: cacheStep(cache, ReadAll) });
    commandBus.register(Bump, async (c: Bump) => {
      await delay(c.delay);
      if (c.fail) throw new Error('refused'); // before writing, as a rolled-back transaction
      written.set(c, ++data[c.key]);
      await delay(c.delay);
    });
    return { cache, queryBus, commandBus };
  });
  // In one process, both "processes" share one QueryCache (and its flights).
  if (store === undefined) processes[1] = processes[0]!;

  const failures: string[] = [];
  const check = (what: string, key: Key, value: number, floor: number) => {
    if (value < floor)
      failures.push(`${what}: read ${key}=${value}, but ${floor} was committed before it was asked`);
    if (value > data[key])
      failures.push(`${what}: read ${key}=${value}, which was never written (now ${data[key]})`);
  };
  for (const group of groups) {
    await Promise.all(
      group.map(async (step) => {
        await delay(step.start);
        const { cache, queryBus, commandBus } = processes[step.process]!;
        switch (step.kind) {
          case 'read': {
            const floor = committed[step.key];
            check(
              `p${step.process} read`,
              step.key,
              (await queryBus.ask(new Read(step.key))) as number,
              floor,
            );
            return;
          }
          case 'readAll': {
            const floors = { ...committed };
            const all = (await queryBus.ask(new ReadAll())) as Record<Key, number>;
            for (const k of KEYS) check(`p${step.process} readAll`, k, all[k], floors[k]);
            return;
          }
          case 'bump': {
            const bump = new Bump(step.key, step.fail, step.delay);
            const ok = await commandBus.dispatch(bump).then(
              () => true,
              () => false,
            );
            if (ok !== !step.fail)
              failures.push(`bump ${step.key} ${ok ? 'succeeded' : 'failed'} unexpectedly`);
            // Counters only grow: every ask made from now on must see at least what this bump wrote.
            if (ok) committed[step.key] = Math.max(committed[step.key], written.get(bump)!);
            return;
          }
          case 'invalidate':
            return cache.invalidate([`counter:${step.key}`]);
          case 'clear':
            return cache.clear();
        }
      }),
    );
  }
  // Once everything has settled, every read answers the current data.
  for (const { queryBus } of processes) {
    for (const k of KEYS) {
      const value = await queryBus.ask(new Read(k));
      if (value !== data[k]) failures.push(`after settling: read ${k}=${value}, data has ${data[k]}`);
    }
  }
  for (const { cache } of processes) cache.onModuleDestroy();
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

describe('query caching against a model (SPEC §13)', () => {
  it('Q3: two processes sharing a store never read a value older than the last completed invalidating command', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (groups) => run(groups, createCache({ stores: [new Keyv()] }))),
      { numRuns: 150 },
    );
  });

  it('Q2, Q3: one process with the in-memory store, concurrent asks sharing flights, never reads a stale value', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (groups) => run(groups, undefined)),
      { numRuns: 150 },
    );
  });
});

describeWithServer('redis')('query caching against a model, over Redis (SPEC §13)', () => {
  let redis: TestServer;
  let keyv: ReturnType<typeof createKeyv>;
  beforeAll(async () => {
    redis = await startServer('redis');
    keyv = createKeyv(redis.url);
  });
  afterAll(async () => {
    await keyv?.disconnect();
    await redis?.stop();
  });

  it('Q3, Q4: two processes sharing one Redis never read a value older than the last completed invalidating command', async () => {
    const store = createCache({ stores: [keyv] });
    await fc.assert(
      fc.asyncProperty(scenario, (groups) => run(groups, store)),
      { numRuns: 40 },
    );
  }, 60_000);
});
