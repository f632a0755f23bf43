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

/**
 * Resolves once the connection is ready; rejects as soon as a connection attempt fails (or at
 * once when it is already down), instead of waiting for reconnection.
 */
export function whenConnected(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (isDown(redis)) return Promise.reject(new Error(`the connection is ${redis.status}`));
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => (lastError = error);
    const onReady = () => {
      off();
      resolve();
    };
    const onClose = () => {
      off();
      reject(new Error(lastError ? lastError.message : 'the connection closed'));
    };
    const off = () => {
      redis.off('ready', onReady);
      redis.off('close', onClose);
      redis.off('error', onError);
    };
    redis.on('ready', onReady);
    redis.on('close', onClose);
    redis.on('error', onError);
  });
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
