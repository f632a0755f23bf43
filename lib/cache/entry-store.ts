/** One key the query cache writes: a string value and its time to live (ms; none: no expiry). */
export interface StoreWrite {
  readonly key: string;
  readonly value: string;
  readonly ttl: number | undefined;
}

/**
 * What the query cache needs of a store: read and write many string keys at once. Operations may
 * answer synchronously (the in-memory store), so that a hit costs no extra promise.
 */
export interface EntryStore {
  /** Whether the store is shared and can fail (a cache-manager `Cache`), so writes must be verified. */
  readonly shared: boolean;
  /** The values of `keys`, in order; `undefined` for a missing key (or one that is not a string). */
  read(
    keys: readonly string[],
  ): ReadonlyArray<string | undefined> | Promise<ReadonlyArray<string | undefined>>;
  /** Writes every entry; rejects (or throws) when the store reports a failure. */
  write(entries: readonly StoreWrite[]): void | Promise<void>;
  /**
   * Calls `listener` with every failure the store reports without failing the operation (Keyv and
   * cache-manager swallow errors and only emit them). Returns a function that stops listening.
   */
  onSwallowedFailure(listener: (error: unknown) => void): () => void;
}
