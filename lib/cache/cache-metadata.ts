import type { CacheableOptions } from './query-cache-options.interface.js';

/** What `@Cacheable()` recorded on a query class, checked once when decorating. */
export interface CacheableMetadata {
  readonly ttl: number | undefined;
  readonly key: ((query: any) => string) | undefined;
  readonly tags: ((query: any) => readonly string[]) | undefined;
}

/** The tags a command or event class makes stale, as `@InvalidatesCache()` recorded them. */
export type InvalidationFn = (message: any) => readonly string[];

const cacheable = new WeakMap<Function, CacheableMetadata>();
const invalidations = new WeakMap<Function, InvalidationFn>();

/** Records `@Cacheable()` on a query class (throws `TypeError` for a bad option). */
export function setCacheable(type: Function, options: CacheableOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`@Cacheable() on ${type.name} takes an options object ({ ttl?, key?, tags? }).`);
  }
  const { ttl, key, tags } = options;
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
    throw new TypeError(
      `@Cacheable({ ttl }) on ${type.name} must be a positive number of milliseconds, got ${String(ttl)}.`,
    );
  }
  if (key !== undefined && typeof key !== 'function') {
    throw new TypeError(`@Cacheable({ key }) on ${type.name} must be a function (query) => string.`);
  }
  if (tags !== undefined && typeof tags !== 'function') {
    throw new TypeError(`@Cacheable({ tags }) on ${type.name} must be a function (query) => string[].`);
  }
  cacheable.set(type, { ttl, key, tags });
}

/** Records `@InvalidatesCache()` on a command or event class. */
export function setInvalidation(type: Function, tags: InvalidationFn): void {
  if (typeof tags !== 'function') {
    throw new TypeError(`@InvalidatesCache() on ${type.name} takes a function (message) => string[].`);
  }
  invalidations.set(type, tags);
}

/** The `@Cacheable()` options of exactly this class (not inherited), if any. */
export function cacheableOf(type: Function): CacheableMetadata | undefined {
  return cacheable.get(type);
}

/** The `@InvalidatesCache()` function of exactly this class (not inherited), if any. */
export function invalidationOf(type: Function): InvalidationFn | undefined {
  return invalidations.get(type);
}
