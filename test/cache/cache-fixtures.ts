import { EventEmitter } from 'node:events';
import type { QueryCacheLogger } from '../../lib/cache/query-cache.js';

/** A promise opened by hand, to hold a handler in flight. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

/** A new closed gate. */
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A logger that keeps what it was told. */
export function silentLogger(): QueryCacheLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (message) => void messages.push(message) };
}

/**
 * A Keyv storage adapter that fails on demand the way `@keyv/redis` does without
 * `throwOnErrors`: the operation emits `error` and answers as if nothing were there (a read) or
 * as if it had worked (a write). Keyv and cache-manager pass it on silently.
 */
export class FlakyKeyvStore extends EventEmitter {
  namespace: string | undefined;
  failing = false;
  readonly error = new Error('store is down');
  readonly data = new Map<string, unknown>();

  async get(key: string): Promise<unknown> {
    if (this.fail()) return undefined;
    return this.data.get(key);
  }

  async getMany(keys: string[]): Promise<unknown[]> {
    if (this.fail()) return keys.map(() => undefined);
    return keys.map((key) => this.data.get(key));
  }

  async set(key: string, value: unknown): Promise<void> {
    if (this.fail()) return;
    this.data.set(key, value);
  }

  async setMany(entries: Array<{ key: string; value: unknown }>): Promise<void> {
    if (this.fail()) return;
    for (const { key, value } of entries) this.data.set(key, value);
  }

  async delete(key: string): Promise<boolean> {
    if (this.fail()) return false;
    return this.data.delete(key);
  }

  async clear(): Promise<void> {
    if (this.fail()) return;
    this.data.clear();
  }

  private fail(): boolean {
    if (this.failing) this.emit('error', this.error);
    return this.failing;
  }
}

/**
 * A Keyv storage adapter whose operations, once `hanging`, never answer: what a Redis client does
 * while it lost its server and queues commands until it reconnects.
 */
export class HangingKeyvStore extends FlakyKeyvStore {
  hanging = false;
  /** How many operations were started while hanging. */
  stuck = 0;

  override get(key: string): Promise<unknown> {
    return this.hang() ?? super.get(key);
  }

  override getMany(keys: string[]): Promise<unknown[]> {
    return (this.hang() as Promise<unknown[]> | undefined) ?? super.getMany(keys);
  }

  override set(key: string, value: unknown): Promise<void> {
    return (this.hang() as Promise<void> | undefined) ?? super.set(key, value);
  }

  override setMany(entries: Array<{ key: string; value: unknown }>): Promise<void> {
    return (this.hang() as Promise<void> | undefined) ?? super.setMany(entries);
  }

  private hang(): Promise<never> | undefined {
    if (!this.hanging) return undefined;
    this.stuck++;
    return new Promise<never>(() => undefined);
  }
}
