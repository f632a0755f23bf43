import { InvalidTimeoutError } from './remote-errors.js';

/** Default bound of a remote dispatch, in milliseconds (module option `timeout`). */
export const DEFAULT_REMOTE_TIMEOUT = 5_000;

/** The longest timeout a Node timer can hold (2³¹−1 ms, about 24.8 days). */
export const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * The dispatch header that overrides the transport's `timeout` for one remote dispatch, in
 * milliseconds: `commandBus.dispatch(cmd, { headers: { 'cqrs-timeout': '250' } })`. Read by the
 * sender, never forwarded (the receiver gets the absolute `cqrs-deadline` instead). A value that is
 * not an integer from 1 to 2³¹−1 fails the dispatch with `InvalidTimeoutError`.
 */
export const REMOTE_TIMEOUT_HEADER = 'cqrs-timeout';

/**
 * The header a request/reply sender adds to the envelope: the time (ms since the epoch, the
 * sender's clock) after which its caller no longer waits. A receiver does not start work past it
 * and answers `RemoteTimeoutError` instead.
 */
export const DEADLINE_HEADER = 'cqrs-deadline';

const DIGITS = /^[0-9]{1,10}$/;

/** The timeout of one remote dispatch: the `cqrs-timeout` header's when present (checked), else `fallback`. */
export function timeoutOf(headers: Readonly<Record<string, string>>, fallback: number): number {
  const header = headers[REMOTE_TIMEOUT_HEADER];
  if (header === undefined) return fallback;
  const ms = DIGITS.test(header) ? Number(header) : Number.NaN;
  return assertTimeout(ms, `The ${REMOTE_TIMEOUT_HEADER} header`, header);
}

/** Checks a timeout: an integer number of milliseconds from 1 to 2³¹−1, else `InvalidTimeoutError`. */
export function assertTimeout(timeout: unknown, where: string, shown: unknown = timeout): number {
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT) {
    throw new InvalidTimeoutError(where, shown);
  }
  return timeout;
}
