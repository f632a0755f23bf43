/**
 * The part of a cache-manager `Cache` (cache-manager 6 or 7, e.g. the `CACHE_MANAGER` that
 * `@nestjs/cache-manager` provides) that the query cache uses. Declared structurally so that the
 * package's types do not depend on cache-manager being installed: pass the `Cache` itself.
 */
export interface CacheManagerStore {
  /** Reads many keys at once; a missing key is `undefined`. */
  mget(keys: string[]): Promise<unknown[]>;
  /** Writes many keys at once; `ttl` in milliseconds. */
  mset(list: Array<{ key: string; value: string; ttl?: number }>): Promise<unknown>;
  /** cache-manager's events (used to notice failures that the store swallows). */
  on?(event: 'mget' | 'mset', listener: (data: { error?: unknown }) => void): unknown;
  /** Removes a listener added with `on`. */
  off?(event: 'mget' | 'mset', listener: (data: { error?: unknown }) => void): unknown;
  /** The Keyv stores behind the cache (used to notice failures that they swallow). */
  readonly stores?: ReadonlyArray<KeyvLike>;
}

/** The part of a Keyv store (in `Cache.stores`) that the query cache uses: its `error` events. */
export interface KeyvLike {
  /** Listens to the store's `error` events. */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
  /** Removes a listener added with `on`. */
  off?(event: 'error', listener: (error: unknown) => void): unknown;
}

/** The object form of the module option `cache` (SPEC §13). */
export interface QueryCacheOptions {
  /**
   * Where entries live: any cache-manager `Cache` (for example `@nestjs/cache-manager`'s
   * `CACHE_MANAGER`, backed by Keyv and Redis). Processes sharing a store share entries and
   * invalidations. Default: an in-memory store of this process, bounded by `maxEntries`.
   */
  store?: CacheManagerStore;
  /** Time to live (ms) of an entry whose `@Cacheable` sets none. Default 60000. */
  defaultTtl?: number;
  /** Entries the default in-memory store keeps at most (least recently used go first). Default 10000. */
  maxEntries?: number;
  /**
   * Prefix of every key this package writes to the store; applications that share a store but
   * not their queries use different namespaces (and `clear()` then clears only their own).
   * Default `'cqrs-lite'`.
   */
  namespace?: string;
  /**
   * How long (ms) one store operation may take before it counts as failed: the query then runs
   * its handler, an invalidation rejects. Default 1000.
   */
  timeout?: number;
}

/** What `@Cacheable()` takes. */
export interface CacheableOptions<Q extends object = any> {
  /** Time to live in milliseconds. Default: the module's `defaultTtl`, else 60 s. */
  ttl?: number;
  /**
   * The entry's key within the query's message name. Default: the query's own enumerable data,
   * in a stable key order.
   */
  key?: (query: Q) => string;
  /** Tags that commands and events name in `@InvalidatesCache` to make this entry stale. */
  tags?: (query: Q) => readonly string[];
}
