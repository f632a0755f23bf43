import { MessageAuthenticationError } from './remote-errors.js';

/**
 * Replay protection of a request/reply receiver (`serve()`): an envelope is refused when its
 * timestamp is older than `maxAgeMs` or ahead of this process's clock by more than
 * `maxClockSkewMs`, or when its id was already received within the window. Meant together with
 * message authentication: without it, a peer can send a fresh id and timestamp each time.
 */
export interface ReplayProtectionOptions {
  /** How many recently received envelope ids are remembered (default 100000). */
  window?: number;
  /** Oldest accepted envelope timestamp, in ms before now (default 60000). */
  maxAgeMs?: number;
}

/** How far an envelope's timestamp may be ahead of this process's clock (default 60 s), with or without replay protection. */
export const DEFAULT_MAX_CLOCK_SKEW = 60_000;

/** Remembers recently received ids, oldest evicted first. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly window: number;
  private readonly maxAgeMs: number;

  constructor(options: ReplayProtectionOptions) {
    this.window = options.window ?? 100_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
  }

  /** Refuses a replayed or stale envelope; otherwise remembers its id. */
  check(id: string, timestamp: number, now: number): void {
    if (!(now - timestamp <= this.maxAgeMs)) {
      throw new MessageAuthenticationError(
        'expired',
        `the envelope is older than maxAgeMs (${this.maxAgeMs} ms); a captured envelope cannot be replayed later.`,
      );
    }
    // Ids older than the age bound are refused by it: forget them first.
    for (const [seenId, at] of this.seen) {
      if (now - at <= this.maxAgeMs && this.seen.size < this.window) break;
      this.seen.delete(seenId);
    }
    if (this.seen.has(id)) {
      throw new MessageAuthenticationError('replayed', `envelope '${id}' was already received.`);
    }
    this.seen.set(id, now);
  }
}
