import { CqrsError } from '../core/errors.js';

/**
 * A command or event was handled, but the cache entries it makes stale could not be marked so
 * (the store failed, timed out, or did not keep the write). The dispatch rejects with this error
 * instead of letting later asks read the old values; `cause` is the store's own error when it
 * reported one. The handler's changes are not undone: do not blindly retry the command.
 */
export class CacheInvalidationError extends CqrsError {
  readonly code = 'CQRS_CACHE_INVALIDATION_FAILED';

  constructor(
    /** The tags that could not be invalidated (`'*'` stands for `clear()`). */
    readonly tags: readonly string[],
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `Could not invalidate the cached queries tagged ${tags.map((tag) => `'${tag}'`).join(', ')}: ${reason}. ` +
        `The message was handled, but the cache store did not take the invalidation; this process bypasses ` +
        `those entries until a retry succeeds. Check the store (e.g. Redis) and call QueryCache.invalidate() again.`,
      options,
    );
  }
}

/** A cache store operation did not finish within the configured `timeout`. */
export class CacheStoreTimeoutError extends CqrsError {
  readonly code = 'CQRS_CACHE_STORE_TIMEOUT';

  constructor(
    /** The operation, e.g. `mget` or `mset`. */
    readonly operation: string,
    /** The timeout in milliseconds. */
    readonly timeout: number,
  ) {
    super(
      `The cache store did not answer ${operation} within ${timeout} ms. Check that it is reachable, ` +
        `or raise the cache option 'timeout'.`,
    );
  }
}
