import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidTransportOptionsError, MessageAuthenticationError } from './remote-errors.js';

/**
 * Optional HMAC-SHA256 authentication of envelopes and replies, shared by every transport. The
 * signature covers the canonical JSON of the whole envelope (every field and every header but the
 * signature itself) or of the whole reply together with the id of the request it answers, so a
 * signed reply cannot be replayed as the answer to another request. A key id travels with each
 * signature, so keys can be rotated: sign with the new key while both verify, then drop the old one.
 */

/** The header that carries an envelope's signature: `<key id>:<base64url HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'cqrs-signature';

/** A secret key with its id. */
export interface SigningKey {
  /** Travels with each signature (letters, digits, `_`, `-`, `.`); not secret. */
  id: string;
  /** At least 32 bytes (a string is read as UTF-8). */
  secret: string | Uint8Array;
}

/** Options of message authentication (`authentication` of the transports' options). */
export interface MessageAuthenticationOptions {
  /** The key this process signs its envelopes (sender) and replies (receiver) with. */
  signingKey?: SigningKey;
  /**
   * The keys accepted when verifying, by id. Defaults to the signing key alone. During a rotation
   * list the old and the new key on every receiver first, then switch the senders' signing key.
   */
  verificationKeys?: Record<string, string | Uint8Array>;
}

/** What `signEnvelope` needs of an envelope. */
export interface EnvelopeLike {
  /** Its headers; the signature is added to them. */
  headers: Record<string, string>;
}

/** A reply as `signReply` returns it. */
export interface SignedReply {
  /** `<key id>:<base64url HMAC-SHA256>` over the reply and the request's id (absent without a signing key). */
  signature?: string;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const MIN_SECRET_BYTES = 32;
const ENVELOPE_DOMAIN = 'nestjs-cqrs-lite envelope v1\n';
const REPLY_DOMAIN = 'nestjs-cqrs-lite reply v1\n';

/** Signs and verifies with the configured keys. */
export class MessageAuthenticator {
  private readonly signing: { id: string; secret: Buffer } | undefined;
  private readonly keys = new Map<string, Buffer>();

  constructor(options: MessageAuthenticationOptions, where: string) {
    const { signingKey, verificationKeys } = options;
    if (signingKey !== undefined) {
      this.signing = { id: checkKeyId(signingKey.id, where), secret: secretOf(signingKey.secret, where) };
    }
    const verifying = verificationKeys ?? (signingKey ? { [signingKey.id]: signingKey.secret } : {});
    for (const [id, secret] of Object.entries(verifying))
      this.keys.set(checkKeyId(id, where), secretOf(secret, where));
    if (this.keys.size === 0) {
      throw new InvalidTransportOptionsError(
        `${where}: authentication needs a signingKey or verificationKeys ({ id: secret }).`,
      );
    }
  }

  /** Adds the signature header to an envelope (its other fields are final). */
  signEnvelope<E extends EnvelopeLike>(envelope: E): E {
    if (this.signing === undefined) return envelope;
    const { [SIGNATURE_HEADER]: _ignored, ...headers } = envelope.headers;
    const unsigned = { ...envelope, headers };
    headers[SIGNATURE_HEADER] = this.sign(ENVELOPE_DOMAIN, unsigned);
    return { ...envelope, headers };
  }

  /**
   * Checks an envelope's signature (untrusted parsed JSON, already within the size and depth
   * limits). Throws `MessageAuthenticationError`.
   */
  verifyEnvelope(envelope: Record<string, unknown>): void {
    const headers = envelope.headers;
    const signature =
      typeof headers === 'object' && headers !== null
        ? (headers as Record<string, unknown>)[SIGNATURE_HEADER]
        : undefined;
    if (typeof signature !== 'string') {
      throw new MessageAuthenticationError('unsigned', `the envelope has no ${SIGNATURE_HEADER} header.`);
    }
    const { [SIGNATURE_HEADER]: _signature, ...rest } = headers as Record<string, unknown>;
    this.verify(ENVELOPE_DOMAIN, { ...envelope, headers: rest }, signature, 'envelope');
  }

  /** A reply with its signature (`signature` field) bound to the request's envelope id. */
  signReply<R extends object>(reply: R, requestId: string): R & SignedReply {
    if (this.signing === undefined) return reply;
    return { ...reply, signature: this.sign(REPLY_DOMAIN + requestId + '\n', reply) };
  }

  /** Checks a reply's signature for the request `requestId`. Throws `MessageAuthenticationError`. */
  verifyReply(reply: Record<string, unknown>, requestId: string): void {
    const { signature, ...rest } = reply;
    if (typeof signature !== 'string')
      throw new MessageAuthenticationError('unsigned', 'the reply is not signed.');
    this.verify(REPLY_DOMAIN + requestId + '\n', rest, signature, 'reply');
  }

  private sign(domain: string, value: unknown): string {
    const { id, secret } = this.signing!;
    return `${id}:${createHmac('sha256', secret).update(domain).update(canonicalJson(value)).digest('base64url')}`;
  }

  private verify(domain: string, value: unknown, signature: string, what: string): void {
    const colon = signature.indexOf(':');
    const id = colon > 0 ? signature.slice(0, colon) : '';
    const key = this.keys.get(id);
    if (key === undefined) {
      throw new MessageAuthenticationError(
        'unknown-key',
        `the ${what} is signed with a key id this process does not accept.`,
      );
    }
    const expected = createHmac('sha256', key).update(domain).update(canonicalJson(value)).digest();
    const given = Buffer.from(signature.slice(colon + 1), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new MessageAuthenticationError(
        'bad-signature',
        `the ${what}'s signature does not match its content.`,
      );
    }
  }
}

/**
 * JSON with object keys in code-point order at every level, so that both sides hash the same bytes
 * whatever order a serializer wrote the keys in. `undefined` members are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

function checkKeyId(id: unknown, where: string): string {
  if (typeof id !== 'string' || !KEY_ID.test(id)) {
    throw new InvalidTransportOptionsError(
      `${where}: a key id must be 1 to 64 letters, digits, '_', '-' or '.', got ${JSON.stringify(id)}.`,
    );
  }
  return id;
}

function secretOf(secret: unknown, where: string): Buffer {
  const bytes =
    typeof secret === 'string'
      ? Buffer.from(secret, 'utf8')
      : secret instanceof Uint8Array
        ? Buffer.from(secret)
        : undefined;
  if (bytes === undefined || bytes.length < MIN_SECRET_BYTES) {
    throw new InvalidTransportOptionsError(
      `${where}: every authentication secret must be at least ${MIN_SECRET_BYTES} bytes ` +
        `(e.g. randomBytes(32).toString('base64')).`,
    );
  }
  return bytes;
}
