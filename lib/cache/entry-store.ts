/** A version key the query cache writes: the generation or a tag, with its time to live (ms; none: no expiry). */
export interface VersionWrite {
  readonly key: string;
  readonly value: string;
  readonly ttl: number | undefined;
}

/** What one lookup found: the stored entry (if any) and the current versions, in the order asked. */
export interface Lookup {
  readonly entry: unknown;
  readonly versions: ReadonlyArray<string | undefined>;
}

/**
 * What the query cache needs of a store. Operations may answer synchronously (the in-memory
 * store), so that a hit costs no extra promise; a shared store answers with promises and may fail.
 */
export interface EntryStore {
  /** Whether the store is shared and can fail (a cache-manager `Cache`), so writes must be verified. */
  readonly shared: boolean;
  /** The entry at `entryKey` and the versions at `versionKeys`, in one round trip. */
  lookup(entryKey: string, versionKeys: readonly string[]): Lookup | Promise<Lookup>;
  /** The versions at `keys` (`undefined` for a missing one). */
  readVersions(
    keys: readonly string[],
  ): ReadonlyArray<string | undefined> | Promise<ReadonlyArray<string | undefined>>;
  /** Writes versions; rejects (or throws) when the store reports a failure. */
  writeVersions(list: readonly VersionWrite[]): void | Promise<void>;
  /** Writes an entry (`encodeEntry`'s text for a shared store, a `LiveEntry` in memory). */
  writeEntry(key: string, entry: unknown, ttl: number): void | Promise<void>;
  /**
   * Calls `listener` with every failure the store reports without failing the operation (Keyv and
   * cache-manager swallow errors and only emit them). Returns a function that stops listening.
   */
  onSwallowedFailure(listener: (error: unknown) => void): () => void;
}
