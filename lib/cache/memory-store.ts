import { createRequire } from 'node:module';
import type { LRUCache } from 'lru-cache';
import type { EntryStore, StoreWrite } from './entry-store.js';

const requireFromHere = createRequire(import.meta.url);

/**
 * The default store: this process's memory, bounded to `maxEntries` keys (least recently used
 * go first) by lru-cache, loaded on first use so that the package imports without it when the
 * cache is off. Its operations answer synchronously and never fail.
 */
export function memoryStore(maxEntries: number): EntryStore {
  let lru: typeof LRUCache;
  try {
    ({ LRUCache: lru } = requireFromHere('lru-cache') as { LRUCache: typeof LRUCache });
  } catch (error) {
    throw new Error(
      'The in-memory query cache needs the package lru-cache (a dependency of nestjs-cqrs-lite): npm install lru-cache',
      { cause: error },
    );
  }
  const entries = new lru<string, string>({ max: maxEntries });
  return {
    shared: false,
    read(keys) {
      const values: (string | undefined)[] = [];
      for (let i = 0; i < keys.length; i++) values.push(entries.get(keys[i]!));
      return values;
    },
    write(list: readonly StoreWrite[]) {
      for (const { key, value, ttl } of list)
        entries.set(key, value, ttl === undefined ? undefined : { ttl });
    },
    onSwallowedFailure: () => () => undefined,
  };
}
