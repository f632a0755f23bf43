import {
  HandlerNotFoundError,
  MessageValidationError,
  type MessageKind,
  type ValidationErrorLike,
} from '../core/errors.js';
import { describeError } from '../core/names.js';
import { RemoteError, RemoteHandlerNotFoundError } from './remote-errors.js';

const HANDLER_NOT_FOUND: HandlerNotFoundError['code'] = 'CQRS_HANDLER_NOT_FOUND';

/** An error as it travels back to the sender. */
export interface WireError {
  /** The error's class name. */
  name: string;
  /** Its `code`, when it has a string one. */
  code?: string;
  /** Its message. */
  message: string;
  /** class-validator's errors, for `CQRS_VALIDATION_FAILED`. */
  errors?: ValidationErrorLike[];
}

/** What a receiving process answers to a remote dispatch. */
export type WireReply =
  | {
      /** The dispatch succeeded. */
      ok: true;
      /** The query's result (absent for commands and `undefined` results). */
      result?: unknown;
    }
  | {
      /** The dispatch failed. */
      ok: false;
      /** Why. */
      error: WireError;
    };

/**
 * The reply for a dispatch that succeeded (`result` is undefined for commands). A result that
 * cannot travel as JSON (a BigInt, a cycle) becomes a failure saying so, rather than no reply and
 * a timeout at the sender.
 */
export function successReply(result: unknown): WireReply {
  if (result === undefined) return { ok: true };
  try {
    JSON.stringify(result);
  } catch (error) {
    return {
      ok: false,
      error: {
        name: 'UnserializableResultError',
        code: 'CQRS_UNSERIALIZABLE_RESULT',
        message: `The handler's result cannot be sent as JSON (${describeError(error)}).`,
      },
    };
  }
  return { ok: true, result };
}

/** The reply for a dispatch that failed: the error's name, code and message travel, its stack does not. */
export function failureReply(error: unknown): WireReply {
  const wire: WireError = {
    name: error instanceof Error ? error.name : 'Error',
    message: describeError(error),
  };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') wire.code = code;
  if (error instanceof MessageValidationError) wire.errors = stripValues(error.errors);
  return { ok: false, error: wire };
}

/**
 * Reads a reply from another process (untrusted data) and returns the result, or throws the
 * error it carries, revived as a local class where one exists so that exception filters and
 * `instanceof` work as for a local dispatch: validation → `MessageValidationError`, missing
 * handler → `RemoteHandlerNotFoundError`, anything else → `RemoteError`.
 */
export function openReply(reply: unknown, kind: MessageKind, messageType: Function): unknown {
  if (typeof reply !== 'object' || reply === null) {
    throw new RemoteError(
      'InvalidReply',
      'CQRS_INVALID_REPLY',
      `The remote service sent an unreadable reply.`,
    );
  }
  const { ok, result, error } = reply as { ok?: unknown; result?: unknown; error?: Partial<WireError> };
  if (ok === true) return result;
  const name = typeof error?.name === 'string' ? error.name : 'Error';
  const message = typeof error?.message === 'string' ? error.message : 'The remote handler failed.';
  const code = typeof error?.code === 'string' ? error.code : undefined;
  if (code === 'CQRS_VALIDATION_FAILED' && Array.isArray(error?.errors)) {
    throw new MessageValidationError(messageType, error.errors);
  }
  if (code === HANDLER_NOT_FOUND) {
    throw new RemoteHandlerNotFoundError(kind, messageType, message);
  }
  throw new RemoteError(name, code, message);
}

/** Validation errors travel without the rejected values and targets (they may be large or private). */
function stripValues(errors: ValidationErrorLike[]): ValidationErrorLike[] {
  return errors.map(({ property, constraints, children }) => ({
    property,
    ...(constraints ? { constraints } : {}),
    ...(children?.length ? { children: stripValues(children) } : {}),
  }));
}
