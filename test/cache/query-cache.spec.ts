import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { cacheStep, invalidateAfterPublish, invalidationStep } from '../../lib/cache/cache.step.js';
import { CACHE_HIT } from '../../lib/core/context-items.js';
import {
  CommandBus,
  EventBus,
  EventHandlerError,
  Message,
  Query,
  QueryBus,
  type MessageContext,
  type Middleware,
} from '../../lib/core/index.js';
import { CacheInvalidationError } from '../../lib/cache/cache-errors.js';
import { Cacheable } from '../../lib/cache/cacheable.decorator.js';
import { InvalidatesCache } from '../../lib/cache/invalidates-cache.decorator.js';
import { QueryCache } from '../../lib/cache/query-cache.js';
import { FlakyKeyvStore, gate, HangingKeyvStore, silentLogger, type Gate } from './cache-fixtures.js';

/*
 * SPEC §13 on standalone buses with the building blocks the Nest module wires (cacheStep on each
 * @Cacheable query's registration, invalidationStep outermost on the command bus).
 */

interface Profile {
  userId: string;
  name: string;
  version: number;
}

@Cacheable({ tags: (q: GetProfile) => [`user:${q.userId}`] })
class GetProfile extends Query<Profile> {
  constructor(readonly userId: string) {
    super();
  }
}

@Cacheable({ ttl: 40, key: (q: GetClock) => q.zone })
class GetClock extends Query<{ zone: string; at: Date; calls: number }> {
  constructor(
    readonly zone: string,
    readonly ignored = Math.random(),
  ) {
    super();
  }
}

@Cacheable()
class Search extends Query<string[]> {
  constructor(readonly filter: object) {
    super();
  }
}

@Message({ name: 'uncached' })
class NotCached extends Query<number> {}

@InvalidatesCache((c: Rename) => [`user:${c.userId}`])
class Rename {
  constructor(
    readonly userId: string,
    readonly name: string,
    readonly fail = false,
  ) {}
}

@InvalidatesCache((e: UserDeleted) => [`user:${e.userId}`])
class UserDeleted {
  constructor(readonly userId: string) {}
}

class Unrelated {}

/** A little application: users in a Map, a handler that counts its calls and can be held. */
function setup(cache = new QueryCache(true, silentLogger()), middleware: Middleware[] = []) {
  const users = new Map<string, Profile>([
    ['alice', { userId: 'alice', name: 'Alice', version: 1 }],
    ['bob', { userId: 'bob', name: 'Bob', version: 1 }],
  ]);
  const calls = { profile: 0, clock: 0, search: 0 };
  let hold: Gate | undefined;
  let failNext: Error | undefined;
  const hits: unknown[] = [];
  const queryBus = new QueryBus({ middleware });
  const commandBus = new CommandBus({ middleware: invalidationStep(cache) });
  const record: Middleware = (message, next, context: MessageContext) =>
    next().finally(() => hits.push(context.items.get(CACHE_HIT)));
  queryBus.register(
    GetProfile,
    async (q: GetProfile) => {
      calls.profile++;
      const snapshot = { ...users.get(q.userId)! };
      // Each call waits for the gate that was closed when it started.
      const wait = hold;
      if (wait) await wait.promise;
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      return snapshot;
    },
    { middleware: [record, ...cacheStep(cache, GetProfile)] },
  );
  queryBus.register(
    GetClock,
    (q: GetClock) => ({ zone: q.zone, at: new Date(1_700_000_000_000), calls: ++calls.clock }),
    {
      middleware: cacheStep(cache, GetClock),
    },
  );
  queryBus.register(Search, (q: Search) => [`${++calls.search}:${JSON.stringify(q.filter)}`], {
    middleware: cacheStep(cache, Search),
  });
  commandBus.register(Rename, async (c: Rename) => {
    await Promise.resolve();
    if (c.fail) throw new Error('rename refused');
    const user = users.get(c.userId)!;
    users.set(c.userId, { ...user, name: c.name, version: user.version + 1 });
  });
  return {
    cache,
    queryBus,
    commandBus,
    users,
    calls,
    hits,
    holdHandler: () => (hold = gate()),
    stopHolding: () => (hold = undefined),
    releaseHandler: () => hold?.open(),
    failNextHandler: (error: Error) => (failNext = error),
  };
}

describe('query caching (SPEC §13)', () => {
  it('Q1: a hit resolves to the stored value without running the handler; a miss runs it and stores', async () => {
    const app = setup();
    expect(await app.queryBus.ask(new GetProfile('alice'))).toEqual({
      userId: 'alice',
      name: 'Alice',
      version: 1,
    });
    expect(await app.queryBus.ask(new GetProfile('alice'))).toEqual({
      userId: 'alice',
      name: 'Alice',
      version: 1,
    });
    expect(app.calls.profile).toBe(1);
    await app.queryBus.ask(new GetProfile('bob'));
    expect(app.calls.profile).toBe(2);
    expect(app.hits).toEqual([false, true, false]);
  });

  it('Q1: the default key is the query’s own data in a stable key order', async () => {
    const app = setup();
    await app.queryBus.ask(new Search({ a: 1, b: [1, 2] }));
    await app.queryBus.ask(new Search({ b: [1, 2], a: 1 }));
    expect(app.calls.search).toBe(1);
    await app.queryBus.ask(new Search({ a: '1', b: [1, 2] }));
    await app.queryBus.ask(new Search({ a: 1, b: [2, 1] }));
    expect(app.calls.search).toBe(3);
  });

  it('Q1: a custom key decides which asks share an entry; the ttl ends an entry; Dates survive a hit', async () => {
    const app = setup();
    const first = await app.queryBus.ask(new GetClock('utc'));
    const hit = await app.queryBus.ask(new GetClock('utc')); // another `ignored` value, same key
    expect(app.calls.clock).toBe(1);
    expect(hit).toEqual(first);
    expect(hit.at).toBeInstanceOf(Date);
    // An in-memory hit is shared by every ask, so it is frozen: changing it fails loudly.
    expect(Object.isFrozen(hit)).toBe(true);
    expect(() => (hit.zone = 'changed')).toThrow(TypeError);
    expect((await app.queryBus.ask(new GetClock('utc'))).zone).toBe('utc');
    await new Promise((resolve) => setTimeout(resolve, 60));
    await app.queryBus.ask(new GetClock('utc'));
    expect(app.calls.clock).toBe(2);
  });

  it('Q1: a query class without @Cacheable gets no cache step; with the cache off there is none at all', () => {
    const cache = new QueryCache(true, silentLogger());
    expect(cacheStep(cache, NotCached)).toEqual([]);
    expect(cacheStep(cache, GetProfile)).toHaveLength(1);
    const off = new QueryCache(false);
    expect(off.enabled).toBe(false);
    expect(cacheStep(off, GetProfile)).toEqual([]);
    expect(invalidationStep(off)).toEqual([]);
  });

  it('Q1: bus middleware runs on hits too; the cache step sits inside it', async () => {
    const seen: string[] = [];
    const logging: Middleware = (message, next, context) => {
      seen.push(`before:${String(context.items.get(CACHE_HIT))}`);
      return next().finally(() => seen.push(`after:${String(context.items.get(CACHE_HIT))}`));
    };
    const app = setup(undefined, [logging]);
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('alice'));
    // The bus middleware wraps the cache step: it runs on the hit too and sees the step's verdict after it.
    expect(seen).toEqual(['before:undefined', 'after:false', 'before:undefined', 'after:true']);
    expect(app.calls.profile).toBe(1);
  });

  it('Q2: concurrent asks of one key run the handler once and all receive its result', async () => {
    const app = setup();
    app.holdHandler();
    const asks = Array.from({ length: 10 }, () => app.queryBus.ask(new GetProfile('alice')));
    await new Promise((resolve) => setImmediate(resolve));
    app.releaseHandler();
    const results = await Promise.all(asks);
    expect(app.calls.profile).toBe(1);
    expect(new Set(results).size).toBe(1); // the very same result object
    expect(app.hits.filter((hit) => hit === true)).toHaveLength(9);
  });

  it('Q2: a rejected result is never stored, and every waiting ask rejects with that same error', async () => {
    const app = setup();
    const failure = new Error('database down');
    app.holdHandler();
    app.failNextHandler(failure);
    const asks = Array.from({ length: 5 }, () => app.queryBus.ask(new GetProfile('alice')));
    app.releaseHandler();
    const outcomes = await Promise.allSettled(asks);
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason : o.value))).toEqual(
      Array(5).fill(failure),
    );
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBe(failure);
    expect(app.calls.profile).toBe(1);
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alice');
    expect(app.calls.profile).toBe(2);
  });

  it('Q3: after `await dispatch()` of an @InvalidatesCache command, an ask never sees the old value', async () => {
    const app = setup();
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('bob'));
    await app.commandBus.dispatch(new Rename('alice', 'Alicia'));
    expect(await app.queryBus.ask(new GetProfile('alice'))).toEqual({
      userId: 'alice',
      name: 'Alicia',
      version: 2,
    });
    // Entries with other tags stay.
    await app.queryBus.ask(new GetProfile('bob'));
    expect(app.calls.profile).toBe(3);
  });

  it('Q3: a failed command invalidates nothing', async () => {
    const app = setup();
    await app.queryBus.ask(new GetProfile('alice'));
    await expect(app.commandBus.dispatch(new Rename('alice', 'X', true))).rejects.toThrow('rename refused');
    await app.queryBus.ask(new GetProfile('alice'));
    expect(app.calls.profile).toBe(1);
  });

  it('Q3: commands without @InvalidatesCache pass through the invalidation step', async () => {
    const app = setup();
    let ran = 0;
    app.commandBus.register(Unrelated, () => void ran++);
    await app.queryBus.ask(new GetProfile('alice'));
    await app.commandBus.dispatch(new Unrelated());
    await app.queryBus.ask(new GetProfile('alice'));
    expect(ran).toBe(1);
    expect(app.calls.profile).toBe(1);
  });

  it('Q3: an ask already in flight when its tags are invalidated is not stored, and later asks do not join it', async () => {
    const app = setup();
    const early = app.holdHandler();
    const earlyAsk = app.queryBus.ask(new GetProfile('alice')); // reads the old data, then waits
    await new Promise((resolve) => setImmediate(resolve));
    await app.commandBus.dispatch(new Rename('alice', 'Alicia'));
    const late = app.holdHandler();
    const lateAsk = app.queryBus.ask(new GetProfile('alice'));
    await new Promise((resolve) => setImmediate(resolve));
    app.stopHolding();
    late.open();
    expect((await lateAsk).name).toBe('Alicia');
    early.open();
    expect((await earlyAsk).name).toBe('Alice'); // it answers what it read, as any uncached ask would
    expect(app.calls.profile).toBe(2);
    // The early ask, finishing last, stored nothing over the late one's entry.
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alicia');
    expect(app.calls.profile).toBe(2);
  });

  it('Q3: the store never receives the result of an ask that was in flight during an invalidation', async () => {
    const store = createCache({ stores: [new Keyv()] });
    const app = setup(new QueryCache({ store }, silentLogger()));
    const entryKey = 'cqrs-lite:q:GetProfile:{"userId":"alice"}';
    const early = app.holdHandler();
    const earlyAsk = app.queryBus.ask(new GetProfile('alice'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await app.cache.invalidate(['user:alice']);
    early.open();
    await earlyAsk;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.get(entryKey)).toBeUndefined();
    app.stopHolding();
    await app.queryBus.ask(new GetProfile('alice'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(typeof (await store.get(entryKey))).toBe('string'); // the check can fail: an ask does store
  });

  it('Q3: an ask does not join one in flight that started before another process invalidated its tags', async () => {
    const shared = createCache({ stores: [new Keyv()] });
    const here = setup(new QueryCache({ store: shared }, silentLogger()));
    const there = new QueryCache({ store: shared }, silentLogger());
    await here.queryBus.ask(new GetProfile('alice'));
    await here.cache.invalidate(['user:alice']);
    const early = here.holdHandler();
    const earlyAsk = here.queryBus.ask(new GetProfile('alice'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    here.users.set('alice', { userId: 'alice', name: 'Alicia', version: 2 });
    await there.invalidate(['user:alice']); // the other process changed alice, then invalidated
    here.stopHolding();
    const lateAsk = here.queryBus.ask(new GetProfile('alice'));
    expect((await lateAsk).name).toBe('Alicia');
    early.open();
    expect((await earlyAsk).name).toBe('Alice');
    expect(here.calls.profile).toBe(3);
    // Concurrent asks that read the same versions still share one handler run (Q2).
    await here.cache.invalidate(['user:alice']);
    const many = await Promise.all(
      Array.from({ length: 5 }, () => here.queryBus.ask(new GetProfile('alice'))),
    );
    expect(many.map((p) => p.name)).toEqual(Array(5).fill('Alicia'));
    expect(here.calls.profile).toBe(4);
  });

  it('Q3: QueryCache.invalidate(tags) and clear() do it by hand', async () => {
    const app = setup();
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('bob'));
    await app.cache.invalidate(['user:bob', 'user:nobody']);
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('bob'));
    expect(app.calls.profile).toBe(3);
    await app.queryBus.ask(new Search({}));
    await app.cache.clear();
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('bob'));
    await app.queryBus.ask(new Search({}));
    expect(app.calls.profile).toBe(5);
    expect(app.calls.search).toBe(2);
    await expect(app.cache.invalidate('user:bob' as never)).rejects.toThrow(TypeError);
    await expect(app.cache.invalidate([42 as never])).rejects.toThrow(/array of strings/);
  });

  it('Q3: an event invalidates once all its handlers have settled, even if some failed', async () => {
    const app = setup();
    const eventBus = new EventBus();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    eventBus.subscribe(UserDeleted, () => {
      throw new Error('audit log full');
    });
    eventBus.subscribe(UserDeleted, async (e: UserDeleted) => {
      await slow;
      app.users.set(e.userId, { userId: e.userId, name: '(deleted)', version: 99 });
    });
    await app.queryBus.ask(new GetProfile('alice'));
    const event = new UserDeleted('alice');
    const published = invalidateAfterPublish(app.cache, [event], eventBus.publish(event));
    // Not yet: one handler still runs, so the entry still answers.
    await new Promise((resolve) => setImmediate(resolve));
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alice');
    release();
    await expect(published).rejects.toBeInstanceOf(EventHandlerError);
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('(deleted)');
    expect(app.calls.profile).toBe(2);
    // An event class without @InvalidatesCache gets its publish promise back untouched.
    const other = eventBus.publish(new Unrelated());
    expect(invalidateAfterPublish(app.cache, [new Unrelated()], other)).toBe(other);
  });

  it('Q3: the tags of every event of a publishAll are invalidated', async () => {
    const app = setup();
    const eventBus = new EventBus();
    eventBus.subscribe(UserDeleted, () => undefined);
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('bob'));
    const events = [new UserDeleted('alice'), new Unrelated(), new UserDeleted('bob')];
    await invalidateAfterPublish(app.cache, events, eventBus.publishAll(events));
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('bob'));
    expect(app.calls.profile).toBe(4);
  });

  it('Q3: an @InvalidatesCache function that throws or gives no array rejects the dispatch before the handler runs', async () => {
    @InvalidatesCache(() => {
      throw new Error('no tags for you');
    })
    class Broken {}
    @InvalidatesCache(() => 'user:alice' as never)
    class NotAnArray {}
    const cache = new QueryCache(true, silentLogger());
    const commandBus = new CommandBus({ middleware: invalidationStep(cache) });
    let ran = 0;
    commandBus.register(Broken, () => void ran++);
    commandBus.register(NotAnArray, () => void ran++);
    await expect(commandBus.dispatch(new Broken())).rejects.toThrow('no tags for you');
    await expect(commandBus.dispatch(new NotAnArray())).rejects.toThrow(
      /NotAnArray must give an array of strings/,
    );
    expect(ran).toBe(0);
  });

  it('Q4: with a cache-manager Cache as store, entries and invalidations go through it', async () => {
    const store = createCache({ stores: [new Keyv()] });
    const app = setup(new QueryCache({ store }, silentLogger()));
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('alice'));
    expect(app.calls.profile).toBe(1);
    const [generation] = await store.mget(['cqrs-lite:gen']);
    expect(typeof generation).toBe('string');
    await app.commandBus.dispatch(new Rename('alice', 'Alicia'));
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alicia');
  });

  it('Q4: clear() leaves other data in the store alone', async () => {
    const store = createCache({ stores: [new Keyv()] });
    await store.set('sessions:1', 'keep me');
    const app = setup(new QueryCache({ store }, silentLogger()));
    await app.queryBus.ask(new GetProfile('alice'));
    await app.cache.clear();
    expect(await store.get('sessions:1')).toBe('keep me');
    await app.queryBus.ask(new GetProfile('alice'));
    expect(app.calls.profile).toBe(2);
  });

  it('Q4: the in-memory store is bounded in entries', async () => {
    const app = setup(new QueryCache({ maxEntries: 5 }, silentLogger()));
    for (let i = 0; i < 20; i++) await app.queryBus.ask(new Search({ i }));
    expect(app.calls.search).toBe(20);
    await app.queryBus.ask(new Search({ i: 0 })); // evicted long ago
    expect(app.calls.search).toBe(21);
    await app.queryBus.ask(new Search({ i: 0 })); // just stored
    expect(app.calls.search).toBe(21);
  });

  it('Q5: a failing store never fails a query: the handler answers and the failure is logged', async () => {
    const flaky = new FlakyKeyvStore();
    const logger = silentLogger();
    const app = setup(new QueryCache({ store: createCache({ stores: [new Keyv(flaky)] }) }, logger));
    await app.queryBus.ask(new GetProfile('alice'));
    flaky.failing = true;
    app.users.set('alice', { userId: 'alice', name: 'Alicia', version: 2 });
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alicia');
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alicia');
    expect(app.calls.profile).toBe(3);
    expect(logger.messages.join('\n')).toMatch(/cache store failed.*store is down/);
  });

  it('Q5: a store that stops answering delays one ask by the timeout; later ones skip it until it answers again', async () => {
    const hanging = new HangingKeyvStore();
    const app = setup(
      new QueryCache({ store: createCache({ stores: [new Keyv(hanging)] }), timeout: 300 }, silentLogger()),
    );
    await app.queryBus.ask(new GetProfile('alice'));
    hanging.hanging = true;
    let started = Date.now();
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alice');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290); // it waited for the timeout, then the handler answered
    // A second later the store is checked (and still hangs); asks meanwhile and after go straight to the handler.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stuckBefore = hanging.stuck;
    started = Date.now();
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alice');
    expect(Date.now() - started).toBeLessThan(290);
    expect(hanging.stuck).toBe(stuckBefore); // the ask did not touch the store
    expect(app.calls.profile).toBe(3);
    // Once the store answers again, a check finds it so, and asks use it again.
    hanging.hanging = false;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await app.queryBus.ask(new GetProfile('alice'));
    await app.queryBus.ask(new GetProfile('alice'));
    expect(app.calls.profile).toBe(3);
  });

  it('Q5: a failed invalidation rejects the dispatch with the store’s error, and no stale read follows', async () => {
    const flaky = new FlakyKeyvStore();
    const logger = silentLogger();
    const app = setup(new QueryCache({ store: createCache({ stores: [new Keyv(flaky)] }) }, logger));
    await app.queryBus.ask(new GetProfile('alice'));
    flaky.failing = true;
    const error = await app.commandBus.dispatch(new Rename('alice', 'Alicia')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CacheInvalidationError);
    expect((error as CacheInvalidationError).code).toBe('CQRS_CACHE_INVALIDATION_FAILED');
    expect((error as CacheInvalidationError).tags).toEqual(['user:alice']);
    expect((error as Error).message).toMatch(/store is down/);
    expect((error as Error).cause).toBe(flaky.error);
    // The store comes back, still holding the old entry under the old versions. Once this process
    // trusts the store again (its check a second later found it answering), it still bypasses
    // those entries, and retries the invalidation.
    flaky.failing = false;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alicia');
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    // The retry landed: the old entry is stale in the store too; the next ask stores a fresh one.
    const calls = app.calls.profile;
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alicia');
    expect((await app.queryBus.ask(new GetProfile('alice'))).name).toBe('Alicia');
    expect(app.calls.profile).toBe(calls + 1);
  });
});
