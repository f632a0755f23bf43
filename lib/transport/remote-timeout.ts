import { InvalidHandlerError } from '../core/errors.js';

/** Default bound of a remote dispatch, in milliseconds (module option `timeout`). */
export const DEFAULT_REMOTE_TIMEOUT = 5_000;

/**
 * The dispatch header that overrides the module's `timeout` for one remote dispatch, in
 * milliseconds: `commandBus.dispatch(cmd, { headers: { 'cqrs-timeout': '250' } })`. It travels
 * with the other headers. A value that is not a positive number of milliseconds is ignored.
 */
export const REMOTE_TIMEOUT_HEADER = 'cqrs-timeout';

/** The timeout of one remote dispatch: the header's when it holds a positive number, else `fallback`. */
export function timeoutOf(headers: Readonly<Record<string, string>>, fallback: number): number {
  const header = headers[REMOTE_TIMEOUT_HEADER];
  if (header === undefined) return fallback;
  const ms = Number(header);
  return Number.isFinite(ms) && ms > 0 ? ms : fallback;
}

/** Checks a configured timeout: a positive, finite number of milliseconds. */
export function assertTimeout(timeout: unknown, where: string): number {
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new InvalidHandlerError(
      `${where}: timeout must be a positive number of milliseconds, got ${String(timeout)}.`,
    );
  }
  return timeout;
}
