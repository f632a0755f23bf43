import type { MessageContext } from '../core/message-context.js';
import type { Middleware, Next } from '../core/middleware.js';
import { nameOf } from '../core/names.js';
import { invalidationOf } from './cache-metadata.js';
import type { QueryCache } from './query-cache.js';

/**
 * The cache step of a query class's chain (SPEC §13 Q1): empty when the cache is off or the class
 * is not `@Cacheable`. It goes after the handler's own middleware and before validation, so bus
 * middleware (logging, auth) runs on hits too.
 */
export function cacheStep(cache: QueryCache, queryType: Function): Middleware[] {
  const step = cache.stepFor(queryType);
  return step === undefined ? [] : [step];
}

/**
 * The invalidation step of the command bus (Q3): outermost, so that it runs once the whole chain
 * has succeeded (a transaction middleware has committed) and before `dispatch()` resolves. For a
 * command class with `@InvalidatesCache` it invalidates the tags the command names; other
 * commands pass through. Empty when the cache is off.
 */
export function invalidationStep(cache: QueryCache): Middleware[] {
  if (!cache.enabled) return [];
  const invalidateCache = (message: object, next: Next, context: MessageContext): unknown => {
    const tagsOf = invalidationOf(context.messageType);
    if (tagsOf === undefined) return next();
    return cache.invalidateAfter(
      tagsOf(message),
      `@InvalidatesCache of ${nameOf(context.messageType)}`,
      next,
      false,
    );
  };
  return [invalidateCache];
}

/**
 * The invalidation of a publish (Q3): once `publishing` (the whole `publish`/`publishAll`: every
 * handler of every event) has settled, successfully or not, the tags that the events'
 * `@InvalidatesCache` name are invalidated; the returned promise then settles as `publishing`
 * did, or rejects with `CacheInvalidationError` when the handlers succeeded but the invalidation
 * failed. Returns `publishing` itself when no event invalidates anything (or the cache is off).
 */
export function invalidateAfterPublish(
  cache: QueryCache,
  events: readonly object[],
  publishing: Promise<void>,
): Promise<void> {
  if (!cache.enabled) return publishing;
  let tags: string[] | undefined;
  let where = '';
  try {
    for (const event of events) {
      const type: unknown = Object.getPrototypeOf(event)?.constructor;
      const tagsOf = typeof type === 'function' ? invalidationOf(type) : undefined;
      if (tagsOf === undefined) continue;
      where = `@InvalidatesCache of ${nameOf(type)}`;
      const named: unknown = tagsOf(event);
      if (!Array.isArray(named))
        throw new TypeError(`${where} must give an array of strings, got ${nameOf(named)}`);
      (tags ??= []).push(...(named as string[]));
    }
    if (tags === undefined) return publishing;
    return cache.invalidateAfter(tags, where, () => publishing, true);
  } catch (error) {
    // The handlers have started already: report the bad tags once they have settled.
    return publishing.then(() => Promise.reject(error));
  }
}
