import { EnvelopeError } from '../core/errors.js';

/**
 * Bounds on what a receiver accepts from the wire, checked on the parsed data before anything
 * else reads it (signature, header filter, class-transformer, validation), by one walk that stops
 * at the first bound crossed. Every refusal is an `EnvelopeError` naming the limit.
 */
export interface EnvelopeLimits {
  /** Bytes of the whole envelope as JSON (default 1 MiB). Checked on the raw bytes when the server sees them. */
  maxPayloadBytes?: number;
  /** Nesting depth of the envelope (default 32; the envelope itself is level 1). */
  maxDepth?: number;
  /** Number of headers (default 64). */
  maxHeaders?: number;
  /** Length of each header name and value, in characters (default 4096). */
  maxHeaderLength?: number;
  /**
   * What `id`, `name`, `correlationId` and `causationId` may hold. Default: 1 to 200 visible ASCII
   * characters (no spaces, no control characters: nothing that could forge a log line).
   */
  idPattern?: RegExp;
}

/** The limits with every default filled in. */
export type ResolvedEnvelopeLimits = Required<EnvelopeLimits>;

/** The defaults of {@link EnvelopeLimits}. */
export const DEFAULT_ENVELOPE_LIMITS: ResolvedEnvelopeLimits = Object.freeze({
  maxPayloadBytes: 1024 * 1024,
  maxDepth: 32,
  maxHeaders: 64,
  maxHeaderLength: 4096,
  idPattern: /^[\x21-\x7e]{1,200}$/,
});

const ID_FIELDS = ['id', 'name', 'correlationId', 'causationId'] as const;

/** The limits of `limits` over the defaults. */
export function resolveLimits(limits: EnvelopeLimits | undefined): ResolvedEnvelopeLimits {
  return { ...DEFAULT_ENVELOPE_LIMITS, ...limits };
}

/** Refuses raw bytes longer than `maxPayloadBytes` before they are parsed. */
export function checkByteLength(length: number, limits: ResolvedEnvelopeLimits): void {
  if (length > limits.maxPayloadBytes) {
    throw new EnvelopeError(
      'envelope',
      `exceeds maxPayloadBytes (${length} > ${limits.maxPayloadBytes} bytes)`,
    );
  }
}

/**
 * Checks parsed, untrusted data against the limits: JSON size (estimated from the walk, never
 * past the bound), depth, header count and length, id charset. Throws `EnvelopeError`.
 */
export function checkEnvelopeLimits(value: unknown, limits: ResolvedEnvelopeLimits): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvelopeError('envelope', 'must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  const headers = record.headers;
  if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) {
    const entries = Object.keys(headers);
    if (entries.length > limits.maxHeaders) {
      throw new EnvelopeError('headers', `exceeds maxHeaders (${entries.length} > ${limits.maxHeaders})`);
    }
    for (const key of entries) {
      const header = (headers as Record<string, unknown>)[key];
      if (
        key.length > limits.maxHeaderLength ||
        (typeof header === 'string' && header.length > limits.maxHeaderLength)
      ) {
        throw new EnvelopeError(
          `headers`,
          `has a name or value longer than maxHeaderLength (${limits.maxHeaderLength})`,
        );
      }
    }
  }
  for (const field of ID_FIELDS) {
    const id = record[field];
    if (typeof id === 'string' && !limits.idPattern.test(id)) {
      throw new EnvelopeError(field, `does not match idPattern ${limits.idPattern}`);
    }
  }
  walk(value, limits);
}

/** One iterative walk: depth and an estimate of the JSON size, stopping at the first bound crossed. */
function walk(root: unknown, limits: ResolvedEnvelopeLimits): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 1 }];
  let bytes = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') bytes += value.length + 2;
    else if (value === null || typeof value !== 'object') bytes += 5;
    else {
      if (depth > limits.maxDepth) {
        throw new EnvelopeError(
          'envelope',
          `exceeds maxDepth (nested deeper than ${limits.maxDepth} levels)`,
        );
      }
      bytes += 2;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && bytes <= limits.maxPayloadBytes; i++, bytes++) {
          stack.push({ value: value[i], depth: depth + 1 });
        }
      } else {
        for (const key of Object.keys(value)) {
          bytes += key.length + 4;
          if (bytes > limits.maxPayloadBytes) break;
          stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
        }
      }
    }
    if (bytes > limits.maxPayloadBytes) {
      throw new EnvelopeError(
        'envelope',
        `exceeds maxPayloadBytes (more than ${limits.maxPayloadBytes} bytes as JSON)`,
      );
    }
  }
}
