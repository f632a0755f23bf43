import { randomUUID } from 'node:crypto';
import { CqrsError, EnvelopeError, InvalidMessageError, type MessageKind } from './errors.js';
import type { DispatchOptions, DispatchOrigin, MessageContext } from './message-context.js';
import { getMessageMetadata, type MessageMetadata, type Type } from './messages.js';
import { loadOptionalPeer } from './optional-peer.js';

/**
 * A message as JSON-safe data, for sending it to another process (SPEC §10). Build one with
 * `bus.toEnvelope(message)`; run one with `commandBus.dispatchEnvelope()` / `queryBus.askEnvelope()`.
 */
export interface Envelope {
  /** The dispatch's id; the receiver's context keeps it. */
  id: string;
  /** The message name (`@Message({ name })`, else the class name). */
  name: string;
  /** The message schema version (`@Message({ version })`, else 1). */
  version: number;
  /** Which bus the message is for. */
  kind: MessageKind;
  /** The correlation id of the dispatch. */
  correlationId: string;
  /** The id of the dispatch that caused this one, if any. */
  causationId?: string;
  /** ISO 8601. */
  timestamp: string;
  /** The dispatch's headers. */
  headers: Record<string, string>;
  /** The message as plain data (class-transformer `instanceToPlain`). */
  payload: Record<string, unknown>;
}

/** What the receiving bus knows about a message name. */
export interface EnvelopeTarget {
  readonly messageType: Type;
  readonly messageVersion: number;
}

/** A checked envelope: the rebuilt message, where its dispatch comes from, and the options to run it with. */
export interface OpenedEnvelope<T extends EnvelopeTarget> {
  readonly target: T;
  readonly message: object;
  readonly origin: DispatchOrigin;
  readonly options: DispatchOptions;
}

const ENVELOPE_FIELDS = new Set([
  'id',
  'name',
  'version',
  'kind',
  'correlationId',
  'causationId',
  'timestamp',
  'headers',
  'payload',
]);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;
const MAX_ID_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

type ClassTransformer = typeof import('class-transformer');
const classTransformer = () => loadOptionalPeer<ClassTransformer>('class-transformer', 'Message envelopes');

/** Wraps a message in an envelope for the bus of `kind`. */
export function createEnvelope(kind: MessageKind, message: object, options: DispatchOptions = {}): Envelope {
  const { name, version } = metadataOf(message);
  const id = randomUUID();
  const causationId = options.causedBy?.id;
  return {
    id,
    name,
    version,
    kind,
    correlationId: options.correlationId ?? options.causedBy?.correlationId ?? id,
    ...(causationId === undefined ? {} : { causationId }),
    timestamp: new Date().toISOString(),
    headers: { ...options.headers },
    payload: plainPayload(message),
  };
}

/**
 * Wraps a message in an envelope that continues a dispatch in progress, for forwarding it to
 * another process: the id, correlation, causation, timestamp and headers are the context's, so the
 * receiver's context continues the sender's.
 */
export function continueInEnvelope(message: object, context: MessageContext): Envelope {
  const { name, version } = metadataOf(message);
  const { causationId } = context;
  return {
    id: context.id,
    name,
    version,
    kind: context.kind,
    correlationId: context.correlationId,
    ...(causationId === undefined ? {} : { causationId }),
    timestamp: context.timestamp.toISOString(),
    headers: { ...context.headers },
    payload: plainPayload(message),
  };
}

function metadataOf(message: object): Required<MessageMetadata> {
  const prototype = typeof message === 'object' && message !== null ? Object.getPrototypeOf(message) : null;
  if (prototype === null || Object.getPrototypeOf(prototype) === null) {
    throw new InvalidMessageError('an envelope needs a class instance');
  }
  return getMessageMetadata(prototype.constructor);
}

function plainPayload(message: object): Record<string, unknown> {
  const { instanceToPlain } = classTransformer();
  try {
    // instanceToPlain keeps Dates as Date objects; the JSON round trip makes the result JSON-safe.
    return JSON.parse(JSON.stringify(instanceToPlain(message)));
  } catch (error) {
    throw new EnvelopeError('payload', `cannot be made JSON-safe (${(error as Error).message})`);
  }
}

/**
 * Checks untrusted parsed JSON field by field and rebuilds its message. Only names that `lookup`
 * knows are accepted, so no other class is ever instantiated. Throws `EnvelopeError` naming the
 * field at fault.
 */
export function openEnvelope<T extends EnvelopeTarget>(
  kind: MessageKind,
  value: unknown,
  lookup: (name: string) => T | undefined,
  options: DispatchOptions = {},
): OpenedEnvelope<T> {
  try {
    return open(kind, value, lookup, options);
  } catch (error) {
    if (error instanceof CqrsError) throw error;
    // A hostile object (a throwing getter or Proxy trap) must still end as an envelope error.
    throw new EnvelopeError(
      'envelope',
      `could not be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function open<T extends EnvelopeTarget>(
  kind: MessageKind,
  value: unknown,
  lookup: (name: string) => T | undefined,
  options: DispatchOptions,
): OpenedEnvelope<T> {
  if (!isPlainRecord(value)) throw new EnvelopeError('envelope', 'must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!ENVELOPE_FIELDS.has(key)) throw new EnvelopeError(key, 'is not an envelope field');
  }
  const id = requireId(value, 'id');
  const name = requireId(value, 'name');
  if (value.kind !== kind) throw new EnvelopeError('kind', `must be '${kind}' on the ${kind} bus`);
  const target = lookup(name);
  if (target === undefined)
    throw new EnvelopeError('name', `'${name}' is not a ${kind} registered on this bus`);
  if (value.version !== target.messageVersion) {
    throw new EnvelopeError('version', `must be ${target.messageVersion} for '${name}'`);
  }
  const correlationId = requireId(value, 'correlationId');
  const causationId = value.causationId === undefined ? undefined : requireId(value, 'causationId');
  const timestamp = requireTimestamp(value.timestamp);
  const headers = requireHeaders(value.headers);
  if (!isPlainRecord(value.payload)) throw new EnvelopeError('payload', 'must be a JSON object');
  assertJsonData(value.payload, 'payload', 0);
  let message: object;
  try {
    message = classTransformer().plainToInstance(target.messageType, value.payload) as object;
  } catch (error) {
    throw new EnvelopeError(
      'payload',
      `could not be turned into ${target.messageType.name} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return {
    target,
    message,
    origin: { id, causationId, timestamp },
    // Local headers win over remote ones: the receiver decides what it trusts.
    options: { ...options, correlationId, headers: { ...headers, ...options.headers } },
  };
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function requireId(envelope: Record<string, unknown>, field: string): string {
  const value = envelope[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new EnvelopeError(field, `must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  // A newline or other control character in an id would forge log lines wherever ids are logged.
  if (CONTROL_CHARACTER.test(value)) throw new EnvelopeError(field, 'must not contain control characters');
  return value;
}

function requireTimestamp(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_8601.test(value)) {
    throw new EnvelopeError('timestamp', 'must be an ISO 8601 date-time string');
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new EnvelopeError('timestamp', 'is not a valid date');
  return date;
}

function requireHeaders(value: unknown): Record<string, string> {
  if (!isPlainRecord(value)) throw new EnvelopeError('headers', 'must be an object of strings');
  const headers: Record<string, string> = {};
  for (const [key, header] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new EnvelopeError(`headers.${key}`, 'is a forbidden key');
    if (typeof header !== 'string') throw new EnvelopeError(`headers.${key}`, 'must be a string');
    headers[key] = header;
  }
  return headers;
}

/** Only JSON data below the payload, and no key that could reach a prototype, at any depth. */
function assertJsonData(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new EnvelopeError(path, `is nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EnvelopeError(path, 'must be a finite number');
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertJsonData(value[i], `${path}.${i}`, depth + 1);
    return;
  }
  if (!isPlainRecord(value))
    throw new EnvelopeError(path, 'must be JSON data (null, boolean, number, string, array or object)');
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new EnvelopeError(`${path}.${key}`, 'is a forbidden key');
    assertJsonData(value[key], `${path}.${key}`, depth + 1);
  }
}
