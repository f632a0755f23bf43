import { createHash } from 'node:crypto';

/** Why a query's default key could not be built; the ask then bypasses the cache. */
export class CacheKeyFailure extends Error {}

/** Keys longer than this are replaced by their SHA-256, so that entries keep a bounded key size. */
const MAX_PLAIN_KEY = 200;
/** Deeper data than this is refused rather than walked (hostile or runaway structures). */
const MAX_DEPTH = 32;
/** More values than this are refused: a key is a digest of a query, not a copy of a document. */
const MAX_NODES = 10_000;

/**
 * The default key of a query: its own enumerable data, encoded with sorted keys so that two
 * queries with equal data (whatever the order their properties were set in) share an entry.
 * The encoding tells types apart (`1` and `'1'`, `null` and `undefined`, a `Date` and its ISO
 * string), and is the same in every process. Throws `CacheKeyFailure` for data it cannot encode
 * faithfully: cycles, functions, symbols, accessor properties, more than 32 levels or 10,000 values.
 */
export function defaultCacheKey(query: object): string {
  const state: EncodeState = { nodes: 0, path: [query] };
  // The root's class is already in the entry's key (its message name): encode only its data.
  return shorten(encodeProperties(query, 1, state));
}

/** A user key or an encoded one, made short enough for any store. */
export function shorten(key: string): string {
  if (key.length <= MAX_PLAIN_KEY) return key;
  return `#${createHash('sha256').update(key).digest('base64url')}`;
}

interface EncodeState {
  nodes: number;
  /** The objects on the path from the root to the current value, to detect cycles. */
  path: object[];
}

function encode(value: unknown, depth: number, state: EncodeState): string {
  if (++state.nodes > MAX_NODES) throw new CacheKeyFailure(`the query holds more than ${MAX_NODES} values`);
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'function':
    case 'symbol':
      throw new CacheKeyFailure(`it holds a ${typeof value}, which has no data to key by`);
  }
  if (value === null) return 'null';
  const object = value as object;
  if (depth >= MAX_DEPTH) throw new CacheKeyFailure(`it is nested more than ${MAX_DEPTH} levels deep`);
  if (state.path.includes(object)) throw new CacheKeyFailure('it refers to itself (a cycle)');
  state.path.push(object);
  const encoded = encodeObject(object, depth + 1, state);
  state.path.pop();
  return encoded;
}

function encodeObject(object: object, depth: number, state: EncodeState): string {
  if (object instanceof Date) {
    const time = object.getTime();
    return `Date(${Number.isNaN(time) ? 'invalid' : time})`;
  }
  if (Array.isArray(object)) {
    const parts: string[] = [];
    for (let i = 0; i < object.length; i++) parts.push(encode(ownValue(object, String(i)), depth, state));
    return `[${parts.join(',')}]`;
  }
  if (object instanceof Map) {
    const parts = [...object].map(([k, v]) => `${encode(k, depth, state)}=>${encode(v, depth, state)}`);
    return `Map{${parts.sort().join(',')}}`;
  }
  if (object instanceof Set) {
    const parts = [...object].map((v) => encode(v, depth, state));
    return `Set{${parts.sort().join(',')}}`;
  }
  return `${className(object)}${encodeProperties(object, depth, state)}`;
}

function encodeProperties(object: object, depth: number, state: EncodeState): string {
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  let encoded = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    encoded += `${i === 0 ? '' : ','}${quote(key)}:${encode(ownValue(object, key), depth, state)}`;
  }
  return `${encoded}}`;
}

/** Characters that need JSON escaping (surrogates too: a lone one would not survive UTF-8). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as a JSON string literal, without calling JSON.stringify for the common plain case. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** An own data property's value, without running getters (which could have side effects or hang). */
function ownValue(object: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  if (descriptor === undefined) return undefined; // an array hole
  if (!('value' in descriptor)) {
    throw new CacheKeyFailure(`its property '${key}' is an accessor (get/set), not data`);
  }
  return descriptor.value;
}

function className(object: object): string {
  const prototype = Object.getPrototypeOf(object);
  if (prototype === null || prototype === Object.prototype) return '';
  const name = typeof prototype.constructor === 'function' ? prototype.constructor.name : '';
  return name;
}
