import { CacheStoreTimeoutError } from './cache-errors.js';
import type { EntryStore } from './entry-store.js';
import type { CacheManagerStore } from './query-cache-options.interface.js';

/**
 * A cache-manager `Cache` as an entry store: entries and versions are strings under
 * `<namespace>:<key>`, read with one `mget` per lookup. Every operation is bounded by `timeout` (a Redis client that lost its server
 * queues commands until it reconnects, so without a bound an ask would wait as long as the
 * outage). Failures the cache swallows are reported through its events (cache-manager's
 * `mget`/`mset` events with an `error`, the Keyv stores' `error`).
 */
export function cacheManagerStore(cache: CacheManagerStore, timeout: number, namespace: string): EntryStore {
  const prefix = `${namespace}:`;
  const read = (keys: readonly string[]) =>
    bounded(() => cache.mget(keys.map((key) => prefix + key)), timeout, 'mget').then((values) =>
      keys.map((_, i) => {
        const value = Array.isArray(values) ? values[i] : undefined;
        return typeof value === 'string' ? value : undefined;
      }),
    );
  const write = (list: Array<{ key: string; value: string; ttl?: number }>) =>
    bounded(
      () => cache.mset(list.map((item) => ({ ...item, key: prefix + item.key }))),
      timeout,
      'mset',
    ).then(() => undefined);
  return {
    shared: true,
    lookup: (entryKey, versionKeys) =>
      read([entryKey, ...versionKeys]).then(([entry, ...versions]) => ({ entry, versions })),
    readVersions: read,
    writeVersions: (list) =>
      write(list.map(({ key, value, ttl }) => (ttl === undefined ? { key, value } : { key, value, ttl }))),
    writeEntry: (key, entry, ttl) => write([{ key, value: entry as string, ttl }]),
    onSwallowedFailure(listener) {
      const onEvent = (data: { error?: unknown } | undefined) => {
        if (data !== null && typeof data === 'object' && data.error !== undefined) listener(data.error);
      };
      const onError = (error: unknown) => listener(error);
      cache.on?.('mget', onEvent);
      cache.on?.('mset', onEvent);
      const stores = Array.isArray(cache.stores) ? cache.stores : [];
      for (const store of stores) store.on?.('error', onError);
      return () => {
        cache.off?.('mget', onEvent);
        cache.off?.('mset', onEvent);
        for (const store of stores) store.off?.('error', onError);
      };
    },
  };
}

/** Runs a store operation, rejecting when it throws, rejects or takes longer than `timeout` ms. */
function bounded<T>(operation: () => Promise<T>, timeout: number, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CacheStoreTimeoutError(name, timeout)), timeout);
    timer.unref?.();
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(operation());
    } catch (error) {
      clearTimeout(timer);
      reject(error);
      return;
    }
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
