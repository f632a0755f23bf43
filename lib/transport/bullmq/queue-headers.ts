import { REMOTE_TIMEOUT_HEADER, timeoutOf } from '../remote-timeout.js';

/**
 * Header a queue worker adds to the context of every command it runs: the attempt number, `'1'`
 * on the first run, higher when the job is retried after a failure or after its worker died.
 * Set locally by the worker, so a sender cannot forge it.
 */
export const ATTEMPT_HEADER = 'cqrs-attempt';

/**
 * Per-dispatch override of the queue's `timeout`: the same header as `REMOTE_TIMEOUT_HEADER`
 * (`cqrs-timeout`), parsed and checked by the same code. Read by the queue, not forwarded.
 * @deprecated Use `REMOTE_TIMEOUT_HEADER`; this alias stays for compatibility.
 */
export const TIMEOUT_HEADER = REMOTE_TIMEOUT_HEADER;

/** Per-dispatch override of `waitForCompletion`: `'completed'` or `'accepted'`. Not forwarded. */
export const WAIT_HEADER = 'cqrs-wait';

/** Per-dispatch settings of a command routed to a queue. */
export interface QueueDispatchSettings {
  /** Wait for the worker to run the command (`true`) or only for Redis to have it (`false`). */
  waitForCompletion?: boolean;
  /** Bound on this dispatch, in milliseconds. */
  timeout?: number;
}

/**
 * Headers that override the queue's settings for one dispatch; spread them into the dispatch's
 * headers: `commandBus.dispatch(cmd, { headers: queueHeaders({ waitForCompletion: true }) })`.
 * They are read by the queue and not forwarded to the worker.
 */
export function queueHeaders(settings: QueueDispatchSettings): Record<string, string> {
  const headers: Record<string, string> = {};
  if (settings.waitForCompletion !== undefined) {
    headers[WAIT_HEADER] = settings.waitForCompletion ? 'completed' : 'accepted';
  }
  if (settings.timeout !== undefined) headers[TIMEOUT_HEADER] = String(settings.timeout);
  return headers;
}

/** The settings a dispatch's headers ask for, and the headers left to forward. */
export function readQueueHeaders(headers: Record<string, string>): {
  settings: QueueDispatchSettings;
  forwarded: Record<string, string>;
} {
  const { [TIMEOUT_HEADER]: timeout, [WAIT_HEADER]: wait, ...forwarded } = headers;
  const settings: QueueDispatchSettings = {};
  if (wait === 'completed' || wait === 'accepted') settings.waitForCompletion = wait === 'completed';
  // The one parse of cqrs-timeout (shared with every transport): an invalid value is an error.
  if (timeout !== undefined) settings.timeout = timeoutOf(headers, 0);
  return { settings, forwarded };
}
