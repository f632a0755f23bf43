import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { INestApplication } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { CacheInvalidationError, CommandBus, QueryBus, QueryCache } from '../../lib/index.js';
import { describeWithServer, startServer, type TestServer } from '../transport/servers.js';
import {
  database,
  eventually,
  GetCounter,
  handlerRuns,
  Increment,
  startApp,
  startOwnRedis,
  testNamespace,
  type OwnRedis,
} from './redis-apps.js';

/* SPEC §13 Q3–Q5 across two Nest applications sharing one real Redis through @keyv/redis. */

const runs = (label: string) => handlerRuns.get(label) ?? 0;

describeWithServer('redis')('query caching over a shared Redis (@nestjs/cache-manager + @keyv/redis)', () => {
  let redis: TestServer;
  let first: INestApplication;
  let second: INestApplication;

  beforeAll(async () => {
    redis = await startServer('redis');
  });
  afterAll(() => redis?.stop());
  beforeEach(async () => {
    database.clear();
    handlerRuns.clear();
    const namespace = testNamespace();
    first = await startApp('first', redis.url, { namespace });
    second = await startApp('second', redis.url, { namespace });
  });
  afterEach(async () => {
    await first?.close();
    await second?.close();
  });

  it('Q4: processes sharing the store share entries', async () => {
    database.set('a', 1);
    expect(await first.get(QueryBus).ask(new GetCounter('a'))).toBe(1);
    expect(await second.get(QueryBus).ask(new GetCounter('a'))).toBe(1);
    expect(await second.get(QueryBus).ask(new GetCounter('a'))).toBe(1);
    expect([runs('first'), runs('second')]).toEqual([1, 0]);
  });

  it('Q3: a command handled in one application makes the other’s cached query stale before dispatch resolves', async () => {
    database.set('a', 1);
    database.set('b', 10);
    await second.get(QueryBus).ask(new GetCounter('a'));
    await second.get(QueryBus).ask(new GetCounter('b'));
    await first.get(CommandBus).dispatch(new Increment('a', 5));
    expect(await second.get(QueryBus).ask(new GetCounter('a'))).toBe(6);
    expect(await second.get(QueryBus).ask(new GetCounter('b'))).toBe(10); // other tags stay cached
    expect(runs('second')).toBe(3);
  });

  it('Q3: QueryCache.invalidate() and clear() in one application reach the other; clear() deletes no other data', async () => {
    const cacheManager = first.get<Cache>(CACHE_MANAGER);
    await cacheManager.set('someone-else:session', 'keep me');
    database.set('a', 1);
    await second.get(QueryBus).ask(new GetCounter('a'));
    database.set('a', 2);
    await first.get(QueryCache).invalidate(['counter:a']);
    expect(await second.get(QueryBus).ask(new GetCounter('a'))).toBe(2);
    database.set('a', 3);
    await first.get(QueryCache).clear();
    expect(await second.get(QueryBus).ask(new GetCounter('a'))).toBe(3);
    expect(await cacheManager.get('someone-else:session')).toBe('keep me');
  });

  it('Q3: applications under different namespaces do not see each other’s entries or clear()', async () => {
    const other = await startApp('other', redis.url, { namespace: testNamespace() });
    try {
      database.set('a', 1);
      await first.get(QueryBus).ask(new GetCounter('a'));
      await other.get(QueryBus).ask(new GetCounter('a'));
      expect(runs('other')).toBe(1);
      await other.get(QueryCache).clear();
      await first.get(QueryBus).ask(new GetCounter('a'));
      expect(runs('first')).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describeWithServer('redis')('when Redis stops (a server of this test’s own)', () => {
  let redis: OwnRedis;
  let app: INestApplication;

  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(() => redis?.stop());
  beforeEach(async () => {
    database.clear();
    handlerRuns.clear();
    app = await startApp('app', redis.url, { namespace: testNamespace(), timeout: 600 });
  });
  afterEach(async () => {
    await redis.start(); // when a test left it stopped
    await app?.close();
  });

  it('Q5: queries are still answered by their handlers, invalidations reject the dispatch, and caching resumes when it is back', async () => {
    const queryBus = app.get(QueryBus);
    const commandBus = app.get(CommandBus);
    database.set('a', 1);
    expect(await queryBus.ask(new GetCounter('a'))).toBe(1);
    expect(await queryBus.ask(new GetCounter('a'))).toBe(1);
    expect(runs('app')).toBe(1);

    await redis.stop();
    database.set('a', 2);
    const started = Date.now();
    expect(await queryBus.ask(new GetCounter('a'))).toBe(2);
    expect(await queryBus.ask(new GetCounter('a'))).toBe(2);
    expect(Date.now() - started).toBeLessThan(2_000); // bounded by the store timeout, not the outage
    expect(runs('app')).toBe(3);
    // Later asks do not wait for the timeout again: the store is checked off their path (every
    // second) and used again only once it answers.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const later = Date.now();
    expect(await queryBus.ask(new GetCounter('a'))).toBe(2);
    expect(Date.now() - later).toBeLessThan(250);

    const failed = await commandBus.dispatch(new Increment('a')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(CacheInvalidationError);
    expect(failed).toMatchObject({ code: 'CQRS_CACHE_INVALIDATION_FAILED', tags: ['counter:a'] });
    expect(database.get('a')).toBe(3); // the command itself was handled

    await redis.start(); // empty: this server keeps nothing on disk
    await eventually(async () => {
      const before = runs('app');
      expect(await queryBus.ask(new GetCounter('a'))).toBe(3);
      expect(await queryBus.ask(new GetCounter('a'))).toBe(3);
      expect(runs('app')).toBe(before + 1); // the second ask was a hit again
    }, 10_000);
  }, 20_000);

  it('Q5: an ask waiting on a Redis that stopped mid-ask is answered once the store times out', async () => {
    const queryBus = app.get(QueryBus);
    database.set('b', 7);
    expect(await queryBus.ask(new GetCounter('b'))).toBe(7);
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const pending = Array.from({ length: 5 }, () => queryBus.ask(new GetCounter('b')));
    expect(await Promise.all(pending)).toEqual([7, 7, 7, 7, 7]);
  }, 10_000);
});
