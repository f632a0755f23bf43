import { randomUUID } from 'node:crypto';
import type { MessageKind } from '../core/errors.js';
import type { MessageContext } from '../core/message-context.js';
import { getMessageMetadata, Query, type Type } from '../core/messages.js';

/** What `createMessageContext()` lets a test set; everything else gets a realistic default. */
export interface MessageContextOverrides {
  /** Which bus; by default from the message's base class. */
  kind?: MessageKind;
  /** Default: the `@Message` name or the class name. */
  messageName?: string;
  /** Default: a fresh UUID. */
  id?: string;
  /** Default: the `id`. */
  correlationId?: string;
  /** Default: `undefined`. */
  causationId?: string;
  /** Default: now. */
  timestamp?: Date;
  /** Copied and frozen; default `{}`. */
  headers?: Record<string, string>;
  /** Default: a new `Map`. */
  items?: Map<unknown, unknown>;
}

/**
 * A `MessageContext` for calling a handler's `execute(message, context)` directly in a unit test,
 * as the bus would: `handler.execute(command, createMessageContext(command, { headers }))`.
 *
 * Defaults: `kind` is `'query'` for a `Query` subclass and `'command'` otherwise; `messageName` is
 * the `@Message` name or class name; `id` a fresh UUID; `correlationId` the `id`; `timestamp` now;
 * `headers` empty (always frozen); `items` a new `Map`.
 */
export function createMessageContext(
  message: object,
  overrides: MessageContextOverrides = {},
): MessageContext {
  const messageType = Object.getPrototypeOf(message)?.constructor as Type | undefined;
  if (typeof messageType !== 'function') {
    throw new TypeError('createMessageContext() needs a message that is an instance of a class.');
  }
  const id = overrides.id ?? randomUUID();
  return {
    kind: overrides.kind ?? kindOf(message),
    messageType,
    messageName: overrides.messageName ?? getMessageMetadata(messageType).name,
    id,
    correlationId: overrides.correlationId ?? id,
    causationId: overrides.causationId,
    timestamp: overrides.timestamp ?? new Date(),
    headers: Object.freeze({ ...overrides.headers }),
    items: overrides.items ?? new Map(),
  };
}

/** The bus a message belongs on when nothing says otherwise: queries extend `Query`. */
export function kindOf(message: object): MessageKind {
  return message instanceof Query ? 'query' : 'command';
}
