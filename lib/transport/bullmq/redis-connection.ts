import { Redis } from 'ioredis';
import type { QueueConnection } from './queue-options.interface.js';

/** Connection states in which a command cannot reach Redis now: fail at once rather than queue it. */
const DOWN = new Set(['reconnecting', 'close', 'end']);

/**
 * The sender's connection: commands fail at once while Redis is unreachable (no offline queue, one
 * retry), so that a dispatch never waits for a broker that is down; reconnection goes on in the
 * background.
 */
export function createSenderConnection(connection: QueueConnection, connectTimeout: number): Redis {
  const { url, ...options } = connection;
  const settings = {
    connectTimeout,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    ...options,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  };
  const redis = url ? new Redis(url, settings) : new Redis(settings);
  // Errors surface on the dispatches that hit them; without a listener ioredis would log each one.
  redis.on('error', () => undefined);
  return redis;
}

/** Whether a command sent now would fail for want of a connection. */
export function isDown(redis: Redis): boolean {
  return DOWN.has(redis.status);
}

/** host:port of a connection, for error messages (never the password). */
export function describeConnection(connection: QueueConnection): string {
  if (connection.url) {
    try {
      const url = new URL(connection.url);
      return `Redis at ${url.hostname}:${url.port || 6379}`;
    } catch {
      return 'Redis';
    }
  }
  return `Redis at ${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}
