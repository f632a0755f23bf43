import { randomUUID } from 'node:crypto';
import {
  checkByteLength,
  resolveLimits,
  type EnvelopeLimits,
  type ResolvedEnvelopeLimits,
} from './envelope-limits.js';

/** Marks the data of a request that could not be read: the receiver answers it with `EnvelopeError`. */
export const MALFORMED_REQUEST = Symbol.for('nestjs-cqrs-lite.malformed-request');

/** What `CqrsNatsDeserializer` hands on instead of unreadable data. */
export interface MalformedRequest {
  /** Always `true`: tells the receiver the request could not be read. */
  readonly [MALFORMED_REQUEST]: true;
  /** Why it cannot be read. */
  readonly reason: string;
}

/** A received NATS message, as far as the deserializer reads it. */
export interface NatsMessageLike {
  /** The body. */
  readonly data: Uint8Array;
  /** The reply subject of a request. */
  readonly reply?: string;
}

/** The packet Nest's NATS server expects from a deserializer. */
export interface IncomingPacket {
  /** The subject the message came on. */
  pattern: string | undefined;
  /** What the handler receives. */
  data: unknown;
  /** The request's id, echoed in the reply (absent: Nest treats the message as an event). */
  id?: string | number;
}

// Nest's client writes {"pattern":…,"data":…,"id":"…"}: the id comes last.
const TRAILING_ID = /"id":"([A-Za-z0-9_-]{1,128})"\}\s*$/;

/**
 * A deserializer for Nest's NATS server that never leaves a requester waiting: bytes over
 * `maxPayloadBytes` are refused before they are parsed, and an empty, binary, non-JSON or
 * non-object body becomes a `MalformedRequest` that the `serve()` receiver answers with
 * `EnvelopeError` (Nest's own deserializer throws, and the requester waits for its whole
 * timeout). A request always keeps an id, so that it is answered; a message without a reply
 * subject is never run. `CqrsNatsServer` uses it by default.
 */
export class CqrsNatsDeserializer {
  private readonly limits: ResolvedEnvelopeLimits;

  constructor(limits?: EnvelopeLimits) {
    this.limits = resolveLimits(limits);
  }

  /** Reads one NATS message into Nest's packet shape. */
  deserialize(
    message: NatsMessageLike | Uint8Array,
    options?: { channel?: string; replyTo?: string },
  ): IncomingPacket {
    // Nest 12 passes the message; Nest 11 passes only its body, with the reply subject in options.
    const body = message instanceof Uint8Array ? { data: message, reply: options?.replyTo } : message;
    const pattern = options?.channel;
    const bytes = body.data ?? new Uint8Array();
    const tail = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .subarray(Math.max(0, bytes.byteLength - 160))
      .toString('latin1');
    const id = body.reply ? (TRAILING_ID.exec(tail)?.[1] ?? randomUUID()) : undefined;
    const refuse = (reason: string): IncomingPacket => ({
      pattern,
      data: { [MALFORMED_REQUEST]: true, reason } satisfies MalformedRequest,
      ...(id === undefined ? {} : { id }),
    });
    if (!body.reply) return refuse('was sent without a reply subject (only requests are served)');
    try {
      checkByteLength(bytes.byteLength, this.limits);
    } catch (error) {
      return refuse(
        (error as Error).message.replace(/^Invalid envelope: field 'envelope' /, '').replace(/\.$/, ''),
      );
    }
    if (bytes.byteLength === 0) return refuse('is empty');
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return refuse('is not UTF-8 JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return refuse('must be a JSON object');
    }
    const packet = value as Record<string, unknown>;
    if ('data' in packet && ('pattern' in packet || 'id' in packet)) {
      // Nest's packet: keep its id (the client matches the reply by it) if it is a plain one.
      const given = typeof packet.id === 'string' && packet.id.length <= 128 ? packet.id : id;
      return { pattern, data: packet.data, id: given };
    }
    // A bare envelope from a non-Nest peer.
    return { pattern, data: value, id };
  }
}
