import { randomBytes } from 'node:crypto';
import { CACHE_HIT } from '../core/context-items.js';
import type { MessageContext } from '../core/message-context.js';
import { getMessageMetadata } from '../core/messages.js';
import type { MiddlewareFn, Next } from '../core/middleware.js';
import { describeError, nameOf } from '../core/names.js';
import { CacheInvalidationError } from './cache-errors.js';
import { defaultCacheKey, shorten } from './cache-key.js';
import { cacheManagerStore } from './cache-manager-store.js';
import { cacheableOf, type CacheableMetadata } from './cache-metadata.js';
import { decodeEntry, encodeEntry, liveEntry } from './entry-format.js';
import type { EntryStore, Lookup, VersionWrite } from './entry-store.js';
import { memoryStore } from './memory-store.js';
import type { QueryCacheOptions } from './query-cache-options.interface.js';

/** Where the query cache reports store failures and queries it cannot cache (Nest passes its `Logger`). */
export interface QueryCacheLogger {
  /** Logs a warning. */
  warn(message: string): void;
}

const DEFAULT_TTL = 60_000;
const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_TIMEOUT = 1_000;
/** A tag's version outlives the entries computed under it by at least this long (ms). */
const TAG_TTL = 24 * 60 * 60 * 1000;
/** After a store failure, asks skip the store until a check this long (ms) later finds it answering. */
const RETRY_AFTER = 1_000;
/** At most one log line per this many ms about a failing store (the rest are counted). */
const LOG_INTERVAL = 10_000;
/** Writes of new versions that another writer overwrote at once are tried this often. */
const VERIFY_ATTEMPTS = 3;

/** What the cache step of one `@Cacheable` query class knows, computed once at registration. */
interface CachedQuery {
  readonly className: string;
  /** `q:<message name>:` (a shared store adds `<namespace>:` in front of every key) */
  readonly entryPrefix: string;
  readonly ttl: number;
  readonly metadata: CacheableMetadata;
  /** The version keys of a query class without tags: the generation alone. */
  readonly untagged: readonly string[];
}

/** An ask of one key that missed and is running its handler; later asks of that key join it. */
interface Flight {
  /** The generation and tag keys read, in order. */
  readonly versionKeys: readonly string[];
  /** Their values as read when this flight started (`undefined`: missing). */
  readonly read: ReadonlyArray<string | undefined>;
  /** The versions the result is computed under (missing ones created). */
  readonly versions: readonly string[];
  /** The handler's result. */
  result: Promise<unknown>;
  /** Set when an invalidation or a newer flight made its result unfit to store or to join. */
  detached: boolean;
}

/**
 * The query cache of an application (SPEC §13): `ask()` of a `@Cacheable` query is answered from
 * it, and commands and events declaring `@InvalidatesCache` make entries stale. Injectable in
 * Nest (`CqrsLiteModule.forRoot({ cache: true })`); `invalidate()` and `clear()` do by hand what
 * `@InvalidatesCache` does. With the cache off it is still injectable, and both resolve at once.
 *
 * Entries record the versions of the generation and of each of their tags that they were
 * computed under; invalidating a tag gives it a new version in the store, so every process that
 * shares the store stops serving those entries.
 */
export class QueryCache {
  /** Whether caching is on (the module option `cache`). */
  readonly enabled: boolean;
  private readonly store: EntryStore | undefined;
  private readonly namespace: string;
  private readonly generationKey: string;
  /** Versions this instance writes: a random prefix of its own and a counter, never reused. */
  private readonly versionPrefix = randomBytes(9).toString('base64url');
  private versionCount = 0;
  private readonly defaultTtl: number;
  private readonly logger: QueryCacheLogger;
  private readonly flights = new Map<string, Flight>();
  /** Version keys whose invalidation failed: entries carrying them are bypassed until a retry succeeds. */
  private readonly pending = new Set<string>();
  private retrying: Promise<void> | undefined = undefined;
  private lastRetry = 0;
  /** Set after a store failure, until a check finds the store answering: asks go straight to their handlers. */
  private storeDown = false;
  private storeDownTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The last failure the store reported (also those it swallowed), and how many there were. */
  private lastFailure: unknown = undefined;
  private failures = 0;
  private lastLog = 0;
  private suppressedLogs = 0;
  private readonly warnedClasses = new Set<string>();
  private readonly stopListening: () => void;

  /**
   * `options`: `false` (the cache off), `true` (an in-memory store) or the module option's object
   * form. The Nest module builds it from `CqrsLiteModule.forRoot({ cache })`.
   */
  constructor(options: boolean | QueryCacheOptions = false, logger?: QueryCacheLogger) {
    const settings = checkOptions(options);
    this.enabled = settings !== undefined;
    this.namespace = settings?.namespace ?? 'cqrs-lite';
    // Keys are short and namespace-free here (cheaper to hash on every ask); a shared store prefixes them.
    this.generationKey = 'gen';
    this.defaultTtl = settings?.defaultTtl ?? DEFAULT_TTL;
    this.logger = logger ?? { warn: (message) => console.warn(`[QueryCache] ${message}`) };
    this.store =
      settings === undefined
        ? undefined
        : settings.store !== undefined
          ? cacheManagerStore(settings.store, settings.timeout ?? DEFAULT_TIMEOUT, this.namespace)
          : memoryStore(settings.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.stopListening =
      this.store?.onSwallowedFailure((error) => this.storeFailed(error, 'an operation')) ?? noop;
  }

  /**
   * Makes every entry carrying one of `tags` stale, in this process and in every process sharing
   * the store. Resolves once the store has the new versions; rejects with
   * `CacheInvalidationError` when it does not (the entries are then bypassed in this process
   * until a later invalidation gets through).
   */
  invalidate(tags: readonly string[]): Promise<void> {
    try {
      const keys = this.tagKeys(tags, 'QueryCache.invalidate(tags)');
      if (!this.enabled || keys.length === 0) return Promise.resolve();
      return this.renew(keys, [...new Set(tags)]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Makes every entry this package stored stale, in every process sharing the store (under the
   * same `namespace`), without deleting anything: other data in the store is left alone.
   */
  clear(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    return this.renew([this.generationKey], ['*']);
  }

  /** Stops listening to the store's events (Nest calls it when the application closes). */
  onModuleDestroy(): void {
    this.stopListening();
    if (this.storeDownTimer !== undefined) clearTimeout(this.storeDownTimer);
  }

  /**
   * The cache step of a query class's chain, or `undefined` when the cache is off or the class
   * is not `@Cacheable`. Used by `cacheStep()`.
   * @internal
   */
  stepFor(queryType: Function): MiddlewareFn | undefined {
    const metadata = this.enabled ? cacheableOf(queryType) : undefined;
    if (metadata === undefined) return undefined;
    const query: CachedQuery = {
      className: nameOf(queryType),
      entryPrefix: `q:${encodeURIComponent(getMessageMetadata(queryType).name)}:`,
      ttl: metadata.ttl ?? this.defaultTtl,
      metadata,
      untagged: Object.freeze([this.generationKey]),
    };
    const queryCache = (message: object, next: Next, context: MessageContext): unknown =>
      this.ask(query, message, next, context);
    return queryCache;
  }

  /**
   * Checks `tags`, runs `handle` (a command's chain, or an event's whole publish) and then
   * invalidates the tags: after success, or for an event (`always`) also after a failure, which
   * is passed on unchanged. Throws, without running `handle`, when `tags` is not an array of
   * strings. Used by the invalidation steps.
   * @internal
   */
  invalidateAfter(
    tags: unknown,
    where: string,
    handle: () => Promise<unknown>,
    always: boolean,
  ): Promise<void> {
    const keys = this.tagKeys(tags, where);
    if (!this.enabled || keys.length === 0) return handle().then(noop);
    const names = [...new Set(tags as string[])];
    return handle().then(
      () => this.renew(keys, names),
      (error: unknown) => {
        if (!always) throw error;
        return this.renew(keys, names).then(
          () => Promise.reject(error),
          (failure: unknown) => {
            this.log(`${describeError(failure)} (after its handlers failed with: ${describeError(error)})`);
            return Promise.reject(error);
          },
        );
      },
    );
  }

  /** One ask of a cached query: a hit, a join of the same key in flight, or a miss that runs `next`. */
  private ask(query: CachedQuery, message: object, next: Next, context: MessageContext): unknown {
    const store = this.store!;
    let entryKey: string;
    let versionKeys: readonly string[];
    try {
      entryKey = query.entryPrefix + this.keyOf(query, message);
      const { tags } = query.metadata;
      versionKeys =
        tags === undefined
          ? query.untagged
          : [
              this.generationKey,
              ...this.tagKeys(tags(message), `@Cacheable({ tags }) of ${query.className}`),
            ];
    } catch (error) {
      this.warnOnce(
        query.className,
        `cannot cache ${query.className}: ${describeError(error)}; its asks go to the handler`,
      );
      return this.bypass(next, context);
    }
    if (this.storeDown || (this.pending.size > 0 && this.isPending(versionKeys)))
      return this.bypass(next, context);
    let found: Lookup | Promise<Lookup>;
    try {
      found = store.lookup(entryKey, versionKeys);
    } catch (error) {
      this.storeFailed(error, 'reading');
      return this.bypass(next, context);
    }
    if (!(found instanceof Promise)) return this.answer(query, entryKey, versionKeys, found, next, context);
    return found.then(
      (lookup) => this.answer(query, entryKey, versionKeys, lookup, next, context),
      (error: unknown) => {
        this.storeFailed(error, 'reading');
        return this.bypass(next, context);
      },
    );
  }

  /** What an ask does once it has looked up its entry and the current versions. */
  private answer(
    query: CachedQuery,
    entryKey: string,
    versionKeys: readonly string[],
    found: Lookup,
    next: Next,
    context: MessageContext,
  ): unknown {
    const read = found.versions;
    const hit = decodeEntry(found.entry, read);
    if (hit !== undefined) {
      context.items.set(CACHE_HIT, true);
      return hit.result;
    }
    const running = this.flights.get(entryKey);
    if (running !== undefined && joinable(running, read)) {
      context.items.set(CACHE_HIT, true);
      return running.result;
    }
    context.items.set(CACHE_HIT, false);
    if (running !== undefined) running.detached = true;
    // A missing version is created before the handler runs, so that an invalidation landing
    // after this point always changes it (an evicted version is never mistaken for a current one).
    const versions = read.map((value) => value ?? this.newVersion());
    const flight: Flight = { versionKeys, read, versions, result: undefined!, detached: false };
    this.flights.set(entryKey, flight);
    const created: VersionWrite[] = [];
    for (let i = 0; i < read.length; i++) {
      if (read[i] === undefined)
        created.push({ key: versionKeys[i]!, value: versions[i]!, ttl: this.versionTtl(i, query) });
    }
    flight.result =
      created.length === 0
        ? this.runFlight(query, entryKey, flight, next)
        : this.writeThen(created, () => this.runFlight(query, entryKey, flight, next), flight);
    return flight.result;
  }

  /** Writes new versions, then runs `then`; a failed write runs it anyway, with nothing stored. */
  private writeThen(created: VersionWrite[], then: () => Promise<unknown>, flight: Flight): Promise<unknown> {
    let written: void | Promise<void>;
    try {
      written = this.store!.writeVersions(created);
    } catch (error) {
      this.storeFailed(error, 'writing versions');
      flight.detached = true;
      return then();
    }
    if (!(written instanceof Promise)) return then();
    return written.then(then, (error: unknown) => {
      this.storeFailed(error, 'writing versions');
      flight.detached = true;
      return then();
    });
  }

  /** Runs the handler for a flight and stores its result unless the flight was detached meanwhile. */
  private runFlight(query: CachedQuery, entryKey: string, flight: Flight, next: Next): Promise<unknown> {
    const result = next();
    result.then(
      (value) => this.storeResult(query, entryKey, flight, value),
      () => this.land(entryKey, flight),
    );
    return result;
  }

  private storeResult(query: CachedQuery, entryKey: string, flight: Flight, value: unknown): void {
    if (flight.detached || this.storeDown) return this.land(entryKey, flight);
    const store = this.store!;
    let entry: unknown;
    try {
      entry = store.shared ? encodeEntry(value, flight.versions) : liveEntry(value, flight.versions);
    } catch (error) {
      this.warnOnce(
        query.className,
        `cannot cache a result of ${query.className}: ${describeError(error)} (results must be JSON data)`,
      );
      return this.land(entryKey, flight);
    }
    let written: void | Promise<void>;
    try {
      written = store.writeEntry(entryKey, entry, query.ttl);
    } catch (error) {
      this.storeFailed(error, 'writing an entry');
      return this.land(entryKey, flight);
    }
    // Until the entry is in the store, asks of the key join the flight instead of missing again.
    if (!(written instanceof Promise)) return this.land(entryKey, flight);
    written.then(
      () => this.land(entryKey, flight),
      (error: unknown) => {
        this.storeFailed(error, 'writing an entry');
        this.land(entryKey, flight);
      },
    );
  }

  /** Removes a finished flight (unless a newer one took its key). */
  private land(entryKey: string, flight: Flight): void {
    if (this.flights.get(entryKey) === flight) this.flights.delete(entryKey);
  }

  private bypass(next: Next, context: MessageContext): Promise<unknown> {
    context.items.set(CACHE_HIT, false);
    if (this.pending.size > 0) this.retryPending();
    return next();
  }

  /**
   * Gives `keys` (tag keys, or the generation key) new versions and checks that the store kept
   * them. Flights computed under the old versions are detached first, so no ask made after this
   * resolves joins one of them.
   */
  private renew(keys: readonly string[], names: readonly string[]): Promise<void> {
    this.detachFlights(keys);
    const all = [...new Set([...keys, ...this.pending])];
    const failuresBefore = this.failures;
    return this.writeVerified(all).then(
      () => {
        for (const key of all) this.pending.delete(key);
        this.detachFlights(keys);
      },
      (error: unknown) => {
        for (const key of keys) this.pending.add(key);
        this.detachFlights(keys);
        const cause = error ?? (this.failures !== failuresBefore ? this.lastFailure : undefined);
        this.storeFailed(cause, 'invalidating');
        throw new CacheInvalidationError(names, describeError(cause), { cause });
      },
    );
  }

  /**
   * Writes new versions for `keys`. On a shared store it also reads them before and after: a
   * store may swallow a failed write, so only reading back our own version, or a version that
   * differs from the one before ours (another writer renewed the key after we started, which
   * invalidates as well), proves that the key changed.
   */
  private async writeVerified(keys: readonly string[]): Promise<void> {
    const store = this.store!;
    let remaining = keys;
    for (let attempt = 1; ; attempt++) {
      const failuresBefore = this.failures;
      const before = store.shared ? await store.readVersions(remaining) : undefined;
      const versions = remaining.map(() => this.newVersion());
      await store.writeVersions(
        remaining.map((key, i) => ({ key, value: versions[i]!, ttl: this.renewTtl(key) })),
      );
      if (before === undefined) return;
      const back = await store.readVersions(remaining);
      const changed = (i: number) =>
        back[i] === versions[i] ||
        (back[i] !== undefined && before[i] !== undefined && back[i] !== before[i]);
      remaining = remaining.filter((_, i) => !changed(i));
      if (remaining.length === 0) return;
      if (attempt === VERIFY_ATTEMPTS || back.every((value) => value === undefined)) {
        throw this.failures !== failuresBefore
          ? this.lastFailure
          : new Error(`the store did not keep the new versions of ${remaining.length} key(s)`);
      }
    }
  }

  private detachFlights(keys: readonly string[]): void {
    const all = keys.includes(this.generationKey);
    for (const [entryKey, flight] of this.flights) {
      if (all || flight.versionKeys.some((key) => keys.includes(key))) {
        flight.detached = true;
        this.flights.delete(entryKey);
      }
    }
  }

  private isPending(versionKeys: readonly string[]): boolean {
    for (const key of versionKeys) if (this.pending.has(key)) return true;
    return false;
  }

  /** Retries failed invalidations, at most one attempt at a time and one per `RETRY_AFTER` ms. */
  private retryPending(): void {
    const now = Date.now();
    if (this.retrying !== undefined || now - this.lastRetry < RETRY_AFTER) return;
    this.lastRetry = now;
    const keys = [...this.pending];
    this.retrying = this.writeVerified(keys)
      .then(
        () => {
          for (const key of keys) this.pending.delete(key);
          this.detachFlights(keys);
        },
        (error: unknown) => this.storeFailed(error, 'retrying an invalidation'),
      )
      .finally(() => {
        this.retrying = undefined;
      });
  }

  /** A version no process has used before (so one that was evicted can never come back as current). */
  private newVersion(): string {
    return `${this.versionPrefix}.${(++this.versionCount).toString(36)}`;
  }

  private keyOf(query: CachedQuery, message: object): string {
    const { key } = query.metadata;
    if (key === undefined) return defaultCacheKey(message);
    const value = key(message);
    if (typeof value !== 'string')
      throw new TypeError(`@Cacheable({ key }) returned ${nameOf(value)}, not a string`);
    return shorten(value);
  }

  /** The store keys of `tags`, sorted and without duplicates; throws `TypeError` for anything but strings. */
  private tagKeys(tags: unknown, where: string): string[] {
    if (!Array.isArray(tags))
      throw new TypeError(`${where} must give an array of strings, got ${nameOf(tags)}`);
    if (tags.length === 1 && typeof tags[0] === 'string') return [`tag:${shorten(tags[0])}`];
    const keys = new Set<string>();
    for (const tag of tags) {
      if (typeof tag !== 'string')
        throw new TypeError(`${where} must give an array of strings, got an element ${nameOf(tag)}`);
      keys.add(`tag:${shorten(tag)}`);
    }
    return [...keys].sort();
  }

  /** The generation has no expiry; a tag's version lives at least as long as the entries under it. */
  private versionTtl(index: number, query: CachedQuery): number | undefined {
    return index === 0 ? undefined : Math.max(TAG_TTL, query.ttl);
  }

  private renewTtl(key: string): number | undefined {
    return key === this.generationKey ? undefined : TAG_TTL;
  }

  /** A store operation failed: asks skip the store for a while, and the failure is logged. */
  private storeFailed(error: unknown, doing: string): void {
    this.lastFailure = error;
    this.failures++;
    this.storeDown = true;
    if (this.storeDownTimer !== undefined) clearTimeout(this.storeDownTimer);
    this.storeDownTimer = setTimeout(() => this.probe(), RETRY_AFTER);
    this.storeDownTimer.unref?.();
    this.log(
      `the cache store failed while ${doing}: ${describeError(error)}; queries are answered by their handlers`,
    );
  }

  /**
   * Asks the store for the generation, off any ask's path: asks use the store again only once it
   * answers without failing (else the next probe is a `RETRY_AFTER` later), so that while it is
   * down no ask waits for its timeout.
   */
  private probe(): void {
    this.storeDownTimer = undefined;
    const failuresBefore = this.failures;
    const recovered = () => {
      if (this.failures === failuresBefore && this.storeDownTimer === undefined) this.storeDown = false;
    };
    try {
      const answer = this.store!.readVersions([this.generationKey]);
      if (answer instanceof Promise)
        answer.then(recovered, (error: unknown) => this.storeFailed(error, 'checking it'));
      else recovered();
    } catch (error) {
      this.storeFailed(error, 'checking it');
    }
  }

  private log(message: string): void {
    const now = Date.now();
    if (now - this.lastLog < LOG_INTERVAL) {
      this.suppressedLogs++;
      return;
    }
    const suppressed = this.suppressedLogs > 0 ? ` (${this.suppressedLogs} similar messages suppressed)` : '';
    this.lastLog = now;
    this.suppressedLogs = 0;
    this.logger.warn(`${message}${suppressed}`);
  }

  private warnOnce(className: string, message: string): void {
    if (this.warnedClasses.has(className)) return;
    this.warnedClasses.add(className);
    this.logger.warn(message);
  }
}

/**
 * Whether an ask that read `read` may take the result of `flight`: each version it read is the one
 * the flight read or the one the flight created. Otherwise something was invalidated since the
 * flight started (possibly in another process), and the ask must run the handler itself.
 */
function joinable(flight: Flight, read: ReadonlyArray<string | undefined>): boolean {
  if (flight.detached) return false;
  for (let i = 0; i < read.length; i++) {
    if (read[i] !== flight.read[i] && read[i] !== flight.versions[i]) return false;
  }
  return true;
}

function noop(): void {}

function checkOptions(options: boolean | QueryCacheOptions | undefined): QueryCacheOptions | undefined {
  if (options === undefined || options === false) return undefined;
  if (options === true) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `The cache option must be true, false or { store?, defaultTtl?, ... }, got ${nameOf(options)}.`,
    );
  }
  const { store, defaultTtl, maxEntries, namespace, timeout } = options;
  positive(defaultTtl, 'defaultTtl');
  positive(timeout, 'timeout');
  if (maxEntries !== undefined && !(Number.isSafeInteger(maxEntries) && maxEntries > 0)) {
    throw new TypeError(`The cache option maxEntries must be a positive integer, got ${String(maxEntries)}.`);
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace.length === 0)) {
    throw new TypeError(`The cache option namespace must be a non-empty string, got ${nameOf(namespace)}.`);
  }
  if (
    store !== undefined &&
    (store === null || typeof store.mget !== 'function' || typeof store.mset !== 'function')
  ) {
    throw new TypeError(
      `The cache option store must be a cache-manager Cache (with mget and mset), for example @nestjs/cache-manager's CACHE_MANAGER; got ${nameOf(store)}.`,
    );
  }
  return options;
}

function positive(value: unknown, name: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new TypeError(
      `The cache option ${name} must be a positive number of milliseconds, got ${String(value)}.`,
    );
  }
}
