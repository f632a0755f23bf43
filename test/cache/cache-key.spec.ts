import { CacheKeyFailure, defaultCacheKey } from '../../lib/cache/cache-key.js';
import { cacheStep } from '../../lib/cache/cache.step.js';
import { Cacheable } from '../../lib/cache/cacheable.decorator.js';
import { QueryCache } from '../../lib/cache/query-cache.js';
import { QueryBus } from '../../lib/core/index.js';
import { silentLogger } from './cache-fixtures.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('the default cache key (SPEC §13 Q1)', () => {
  it('Q1: is the query’s own enumerable data in a stable key order', () => {
    expect(defaultCacheKey({ b: 2, a: 1 })).toBe(defaultCacheKey({ a: 1, b: 2 }));
    expect(defaultCacheKey({ a: { d: [1, { f: 1, e: 2 }], c: 3 } })).toBe(
      defaultCacheKey({ a: { c: 3, d: [1, { e: 2, f: 1 }] } }),
    );
    expect(defaultCacheKey({ a: 1 })).toBe('{"a":1}');
  });

  it('Q1: tells apart values that JSON would confuse', () => {
    const distinct = [
      { v: 1 },
      { v: '1' },
      { v: null },
      { v: undefined },
      {},
      { v: Number.NaN },
      { v: 0 },
      { v: -0 },
      { v: 1n },
      { v: true },
      { v: 'true' },
      { v: new Date(0) },
      { v: new Date(0).toISOString() },
      { v: [] },
      { v: {} },
      { v: new Point(1, 2) },
      { v: { x: 1, y: 2 } },
      { v: new Map([['a', 1]]) },
      { v: new Set(['a']) },
      { v: ['a'] },
      { v: 'a:b' },
      { 'v:a': 'b' },
    ];
    const keys = distinct.map(defaultCacheKey);
    expect(new Set(keys).size).toBe(distinct.length);
  });

  it('Q1: Map and Set contents are keyed in a stable order', () => {
    expect(
      defaultCacheKey({
        m: new Map([
          ['b', 1],
          ['a', 2],
        ]),
      }),
    ).toBe(
      defaultCacheKey({
        m: new Map([
          ['a', 2],
          ['b', 1],
        ]),
      }),
    );
    expect(defaultCacheKey({ s: new Set([2, 1]) })).toBe(defaultCacheKey({ s: new Set([1, 2]) }));
  });

  it('Q1: long keys are replaced by a digest of fixed length', () => {
    const long = defaultCacheKey({ text: 'x'.repeat(10_000) });
    expect(long).toMatch(/^#[\w-]{43}$/);
    expect(defaultCacheKey({ text: 'x'.repeat(10_000) })).toBe(long);
    expect(defaultCacheKey({ text: `${'x'.repeat(9_999)}y` })).not.toBe(long);
  });

  it('Q1: refuses data it cannot key faithfully, with the reason, and never hangs', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 1_000; i++) deep = (deep.next = {}) as Record<string, unknown>;
    const withGetter = Object.defineProperty({}, 'now', { enumerable: true, get: () => Date.now() });
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(() => defaultCacheKey(cyclic)).toThrow(/cycle/);
    expect(() => defaultCacheKey(root)).toThrow(/nested more than 32 levels/);
    expect(() => defaultCacheKey({ many: Array.from({ length: 20_000 }, (_, i) => i) })).toThrow(
      /more than 10000 values/,
    );
    expect(() => defaultCacheKey({ fn: () => 1 })).toThrow(CacheKeyFailure);
    expect(() => defaultCacheKey({ s: Symbol('x') })).toThrow(/symbol/);
    expect(() => defaultCacheKey(withGetter)).toThrow(/accessor/);
    expect(() => defaultCacheKey(hostile)).toThrow('trap');
    // The same object twice (not a cycle) is fine.
    const shared = { n: 1 };
    expect(defaultCacheKey({ a: shared, b: shared })).toBe('{"a":{"n":1},"b":{"n":1}}');
  });

  it('Q1: a query whose key cannot be built is answered by its handler, uncached, and logged once', async () => {
    @Cacheable()
    class Lookup {
      constructor(readonly filter: unknown) {}
    }
    const logger = silentLogger();
    const cache = new QueryCache(true, logger);
    const bus = new QueryBus();
    let calls = 0;
    bus.register(Lookup, () => ++calls, { middleware: cacheStep(cache, Lookup) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await bus.ask(new Lookup(cyclic))).toBe(1);
    expect(await bus.ask(new Lookup(cyclic))).toBe(2);
    expect(logger.messages).toEqual([
      expect.stringMatching(/cannot cache Lookup: it refers to itself \(a cycle\)/),
    ]);
    // Other asks of the class are still cached.
    expect(await bus.ask(new Lookup({ a: 1 }))).toBe(3);
    expect(await bus.ask(new Lookup({ a: 1 }))).toBe(3);
  });

  it('Q1: a key or tags function that fails or gives the wrong type bypasses the cache', async () => {
    @Cacheable({ key: () => 42 as never })
    class NumberKey {}
    @Cacheable({ tags: () => 'one' as never })
    class StringTags {}
    @Cacheable({
      key: () => {
        throw new Error('no key');
      },
    })
    class ThrowingKey {}
    const logger = silentLogger();
    const cache = new QueryCache(true, logger);
    const bus = new QueryBus();
    let calls = 0;
    for (const type of [NumberKey, StringTags, ThrowingKey]) {
      bus.register(type, () => ++calls, { middleware: cacheStep(cache, type) });
      await bus.ask(new type());
      await bus.ask(new type());
    }
    expect(calls).toBe(6);
    expect(logger.messages).toEqual([
      expect.stringContaining('cannot cache NumberKey: @Cacheable({ key }) returned 42, not a string'),
      expect.stringContaining(
        'cannot cache StringTags: @Cacheable({ tags }) of StringTags must give an array of strings',
      ),
      expect.stringContaining('cannot cache ThrowingKey: no key'),
    ]);
  });

  it('Q1: @Cacheable checks its options when the class is decorated', () => {
    expect(() => Cacheable({ ttl: 0 })(class A {})).toThrow(/positive number of milliseconds/);
    expect(() => Cacheable({ ttl: Number.POSITIVE_INFINITY })(class B {})).toThrow(TypeError);
    expect(() => Cacheable({ key: 'id' as never })(class C {})).toThrow(/key/);
    expect(() => Cacheable({ tags: ['a'] as never })(class D {})).toThrow(/tags/);
  });
});
