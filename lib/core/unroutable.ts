import { HandlerNotFoundError, InvalidMessageError, type MessageKind } from './errors.js';
import { describeError, nameOf } from './names.js';

/**
 * Why a value could not be routed, as the error a dispatch rejects with: `InvalidMessageError`
 * saying what the value is (B6), or `HandlerNotFoundError` for an instance of a class with no
 * handler. Only called once routing failed, so it may take its time; it never throws.
 */
export function unroutable(kind: MessageKind, message: unknown): Error {
  try {
    return reason(kind, message);
  } catch (error) {
    return unreadable(error);
  }
}

/** The error for a value whose class cannot even be read (a hostile Proxy). */
export function unreadable(error: unknown): InvalidMessageError {
  return new InvalidMessageError(`reading its class threw (${describeError(error)})`, { cause: error });
}

/** Why `message` is not a class instance, or `undefined` when it is one. */
export function notAnInstance(message: unknown): string | undefined {
  if (message === null || message === undefined) return `received ${String(message)}`;
  if (typeof message === 'function') {
    return `received the function ${nameOf(message)} (pass an instance, not the class)`;
  }
  if (typeof message !== 'object') return `received a ${typeof message}`;
  if (Array.isArray(message)) return 'received an array';
  const prototype = Object.getPrototypeOf(message);
  if (prototype === null || Object.getPrototypeOf(prototype) === null) {
    return 'received a plain object, which has no class to route it by';
  }
  const type = prototype.constructor;
  if (typeof type !== 'function') return 'its prototype has no constructor';
  if (type.prototype !== prototype) {
    return (
      `its prototype is not ${nameOf(type)}.prototype, although its constructor property names ${nameOf(type)} ` +
      `(an object made with Object.create(), or a subclass that does not set its own constructor)`
    );
  }
  return undefined;
}

function reason(kind: MessageKind, message: unknown): Error {
  const detail = notAnInstance(message);
  if (detail !== undefined) return new InvalidMessageError(detail);
  return new HandlerNotFoundError(kind, Object.getPrototypeOf(message).constructor);
}
