import { UnrecoverableError } from 'bullmq';
import {
  EnvelopeError,
  HandlerNotFoundError,
  InvalidMessageError,
  MessageValidationError,
  type MessageKind,
} from '../../core/errors.js';
import { MessageAuthenticationError, RemoteError } from '../remote-errors.js';
import {
  failureReply,
  openReply,
  successReply,
  type ReplyVerification,
  type WireError,
  type WireReply,
} from '../wire.js';

/** A job's return value when its command ran: the success reply of the wire format. */
export const COMPLETED: WireReply = successReply(undefined);

/**
 * The error a worker throws to BullMQ for a failed command. Its message is the `WireError` as JSON
 * (BullMQ keeps only an error's message, as the job's `failedReason`); its stack is the original
 * error's. Failures that no retry can fix (an invalid message or envelope, no handler) are
 * `UnrecoverableError`s, so BullMQ fails the job at once; any other error is retried per the job's
 * `attempts` and `backoff`.
 */
export function jobFailure(error: unknown): Error {
  const wire = (failureReply(error) as Extract<WireReply, { ok: false }>).error;
  const permanent =
    error instanceof UnrecoverableError ||
    error instanceof MessageValidationError ||
    error instanceof EnvelopeError ||
    error instanceof HandlerNotFoundError ||
    error instanceof InvalidMessageError ||
    error instanceof MessageAuthenticationError;
  const failure = permanent ? new UnrecoverableError(JSON.stringify(wire)) : new Error(JSON.stringify(wire));
  if (error instanceof Error && error.stack) failure.stack = error.stack;
  return failure;
}

/**
 * The error a sender rethrows for a job that failed: the worker's error revived as a local class
 * (see `openReply`), or a `RemoteError` carrying BullMQ's own reason when the job failed outside
 * the handler (for example after stalling more than `maxStalledCount` times).
 */
export function failedJobError(failedReason: string, kind: MessageKind, messageType: Function): Error {
  let wire: unknown;
  try {
    wire = JSON.parse(failedReason);
  } catch {
    wire = undefined;
  }
  if (typeof wire === 'object' && wire !== null && typeof (wire as WireError).message === 'string') {
    try {
      openReply({ ok: false, error: wire }, kind, messageType);
    } catch (error) {
      return error as Error;
    }
  }
  return new RemoteError('JobFailedError', 'CQRS_JOB_FAILED', `The queued job failed: ${failedReason}`);
}

/** Reads a completed job's return value (untrusted): `undefined`, or the error it carries. */
export function completedJobResult(
  returnValue: unknown,
  kind: MessageKind,
  messageType: Function,
  verification?: ReplyVerification,
): void {
  openReply(returnValue, kind, messageType, verification);
}
