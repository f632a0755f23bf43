import type { LRUCache } from 'lru-cache';
import { loadOptionalPeer } from '../core/optional-peer.js';
import type { EntryStore, Lookup, VersionWrite } from './entry-store.js';

/**
 * The default store: this process's memory. Entries live in an lru-cache bounded to
 * `maxEntries` (least recently used go first), loaded on first use so that the package imports
 * without it when the cache is off. Versions live in a plain map, emptied when it outgrows the
 * entries: a version that is gone only turns the entries computed under it into misses. Every
 * operation answers synchronously and never fails.
 */
export function memoryStore(maxEntries: number): EntryStore {
  let lru: typeof LRUCache;
  try {
    // Through the core's loader: ESM-only syntax here would break a CommonJS app's Jest transform.
    ({ LRUCache: lru } = loadOptionalPeer<{ LRUCache: typeof LRUCache }>(
      'lru-cache',
      'The in-memory query cache',
    ));
  } catch (error) {
    throw new Error(
      'The in-memory query cache needs the package lru-cache (a dependency of nestjs-cqrs-lite): npm install lru-cache',
      { cause: error },
    );
  }
  const entries = new lru<string, object>({ max: maxEntries });
  const versions = new Map<string, string>();
  const readVersions = (keys: readonly string[]) => {
    const values: (string | undefined)[] = [];
    for (let i = 0; i < keys.length; i++) values.push(versions.get(keys[i]!));
    return values;
  };
  return {
    shared: false,
    lookup(entryKey, versionKeys): Lookup {
      return { entry: entries.get(entryKey), versions: readVersions(versionKeys) };
    },
    readVersions,
    writeVersions(list: readonly VersionWrite[]) {
      if (versions.size + list.length > 2 * maxEntries) versions.clear();
      for (const { key, value } of list) versions.set(key, value);
    },
    writeEntry(key, entry, ttl) {
      entries.set(key, entry as object, { ttl });
    },
    onSwallowedFailure: () => () => undefined,
  };
}
