/**
 * Keys of `MessageContext.items` through which the package's own steps talk to each other within
 * one dispatch.
 */

/**
 * Set by the query cache step to `true` when an ask was answered from the cache (or joined an ask
 * of the same key already in flight) and to `false` on a miss; absent when the query is not
 * cached. Read by tracing (`cqrs.cache.hit`).
 */
export const CACHE_HIT = Symbol('nestjs-cqrs-lite:cache-hit');
