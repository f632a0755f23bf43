import { setCacheable } from './cache-metadata.js';
import type { CacheableOptions } from './query-cache-options.interface.js';

/**
 * Caches the results of a query class (SPEC §13): with the module option `cache` on, `ask()`
 * answers from the cache when it holds an entry for the query's message name and key, and runs the
 * handler (storing its result for `ttl` ms) when not. `tags` name the entries that commands and
 * events declaring `@InvalidatesCache` make stale.
 *
 * ```ts
 * @Cacheable({ ttl: 30_000, tags: (q) => [`user:${q.userId}`] })
 * export class GetUserProfile extends Query<UserProfile> { constructor(readonly userId: string) { super(); } }
 * ```
 */
export function Cacheable<Q extends object = any>(options: CacheableOptions<Q> = {}): ClassDecorator {
  return (target) => setCacheable(target, options);
}
