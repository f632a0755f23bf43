import {
  CqrsError,
  HandlerNotFoundError,
  MessageValidationError,
  type MessageKind,
  type ValidationErrorLike,
} from '../core/errors.js';
import { describeError } from '../core/names.js';
import type { MessageAuthenticator } from './message-authentication.js';
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

/** How a sender checks the authenticity of a reply (message authentication configured). */
export interface ReplyVerification {
  /** Verifies the reply's signature. */
  readonly authenticator: MessageAuthenticator;
  /** The id of the envelope the reply answers (a signed reply is bound to it). */
  readonly requestId: string;
}

/** Bounds on the validation errors a reply may carry (a forged reply must not exhaust the stack). */
const MAX_VALIDATION_DEPTH = 32;
const MAX_VALIDATION_ENTRIES = 1000;

/**
 * Reads a reply from another process (untrusted data) and returns the result, or throws the
 * error it carries, revived as a local class where one exists so that exception filters and
 * `instanceof` work as for a local dispatch: validation → `MessageValidationError`, missing
 * handler → `RemoteHandlerNotFoundError`, anything else → `RemoteError`. Whatever the reply holds,
 * what it throws is a `CqrsError`. With `verification`, an unsigned or badly signed reply is
 * refused with `MessageAuthenticationError`.
 */
export function openReply(
  reply: unknown,
  kind: MessageKind,
  messageType: Function,
  verification?: ReplyVerification,
): unknown {
  try {
    return readReply(reply, kind, messageType, verification);
  } catch (error) {
    if (error instanceof CqrsError) throw error;
    throw new RemoteError(
      'InvalidReply',
      'CQRS_INVALID_REPLY',
      `The remote service sent an unreadable reply (${describeError(error)}).`,
    );
  }
}

function readReply(
  reply: unknown,
  kind: MessageKind,
  messageType: Function,
  verification: ReplyVerification | undefined,
): unknown {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    throw new RemoteError(
      'InvalidReply',
      'CQRS_INVALID_REPLY',
      `The remote service sent an unreadable reply.`,
    );
  }
  verification?.authenticator.verifyReply(reply as Record<string, unknown>, verification.requestId);
  const { ok, result, error } = reply as { ok?: unknown; result?: unknown; error?: Partial<WireError> };
  if (ok === true) return result;
  const wire = typeof error === 'object' && error !== null ? error : undefined;
  const name = typeof wire?.name === 'string' ? wire.name : 'Error';
  const message = typeof wire?.message === 'string' ? wire.message : 'The remote handler failed.';
  const code = typeof wire?.code === 'string' ? wire.code : undefined;
  if (code === 'CQRS_VALIDATION_FAILED' && Array.isArray(wire?.errors)) {
    const errors = readValidationErrors(wire.errors);
    if (errors !== undefined) throw new MessageValidationError(messageType, errors);
  }
  if (code === HANDLER_NOT_FOUND) {
    throw new RemoteHandlerNotFoundError(kind, messageType, message);
  }
  throw new RemoteError(name, code, message);
}

/** Validation errors from the wire rebuilt as plain data, or `undefined` when they are not well formed or too large. */
function readValidationErrors(errors: unknown[]): ValidationErrorLike[] | undefined {
  let entries = 0;
  const read = (list: unknown, depth: number): ValidationErrorLike[] | undefined => {
    if (!Array.isArray(list) || depth > MAX_VALIDATION_DEPTH) return undefined;
    const out: ValidationErrorLike[] = [];
    for (const item of list) {
      if (++entries > MAX_VALIDATION_ENTRIES || typeof item !== 'object' || item === null) return undefined;
      const { property, constraints, children } = item as Record<string, unknown>;
      if (typeof property !== 'string') return undefined;
      const entry: ValidationErrorLike = { property };
      if (constraints !== undefined) {
        if (typeof constraints !== 'object' || constraints === null || Array.isArray(constraints))
          return undefined;
        const kept: Record<string, string> = {};
        for (const [key, value] of Object.entries(constraints)) {
          if (typeof value !== 'string') return undefined;
          kept[key] = value;
        }
        entry.constraints = kept;
      }
      if (children !== undefined) {
        const nested = read(children, depth + 1);
        if (nested === undefined) return undefined;
        if (nested.length > 0) entry.children = nested;
      }
      out.push(entry);
    }
    return out;
  };
  return read(errors, 0);
}

/** Validation errors travel without the rejected values and targets (they may be large or private). */
function stripValues(errors: ValidationErrorLike[]): ValidationErrorLike[] {
  return errors.map(({ property, constraints, children }) => ({
    property,
    ...(constraints ? { constraints } : {}),
    ...(children?.length ? { children: stripValues(children) } : {}),
  }));
}
