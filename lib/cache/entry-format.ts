/**
 * How a cached result is kept. In a shared store: JSON text of
 * `[1, generation, [tag versions...], result]` (the result left out when it is `undefined`), the
 * same in every process. In memory: a `LiveEntry` holding the same data already parsed and
 * frozen, so that a hit costs no parsing. Either way the versions are those the entry was
 * computed under; it is served only while they are all still current. `Date`s survive; other
 * class instances come back as plain data.
 */
const FORMAT = 1;
const DATE = '\u0000date';
const DATE_MARK = JSON.stringify(DATE).slice(1, -1);

/** An entry of the in-memory store: the versions it was computed under and its frozen result. */
export class LiveEntry {
  constructor(
    readonly versions: readonly string[],
    readonly result: unknown,
  ) {}
}

/** The text of an entry for `result` computed under `versions` (generation first). Throws when the result is not JSON data. */
export function encodeEntry(result: unknown, versions: readonly string[]): string {
  const [generation, ...tags] = versions;
  const entry: unknown[] = [FORMAT, generation, tags];
  if (result !== undefined) entry.push(result);
  return JSON.stringify(entry, keepDates);
}

/**
 * The in-memory entry for `result`: the very data a shared store would give back (plain objects,
 * `Date`s kept), deeply frozen, since every hit shares it. Throws when the result is not JSON data.
 */
export function liveEntry(result: unknown, versions: readonly string[]): LiveEntry {
  const text = JSON.stringify([result], keepDates);
  const [copy] = text.includes(DATE_MARK) ? JSON.parse(text, reviveDates) : JSON.parse(text);
  return new LiveEntry(versions, deepFreeze(copy));
}

/** What `decodeEntry` found: the result of an entry that is current. */
export interface DecodedEntry {
  readonly result: unknown;
}

/**
 * The stored result when `entry` (text or a `LiveEntry`) was computed under exactly `versions`
 * (generation, then tags); `undefined` when it is missing, stale, or not an entry of this package.
 */
export function decodeEntry(
  entry: unknown,
  versions: ReadonlyArray<string | undefined>,
): DecodedEntry | undefined {
  if (entry instanceof LiveEntry) {
    const recorded = entry.versions;
    if (recorded.length !== versions.length) return undefined;
    for (let i = 0; i < recorded.length; i++) if (recorded[i] !== versions[i]) return undefined;
    return entry;
  }
  if (typeof entry !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = entry.includes(DATE_MARK) ? JSON.parse(entry, reviveDates) : JSON.parse(entry);
  } catch {
    return undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed[0] !== FORMAT ||
    versions[0] === undefined ||
    parsed[1] !== versions[0]
  ) {
    return undefined;
  }
  const tags = parsed[2];
  if (!Array.isArray(tags) || tags.length !== versions.length - 1) return undefined;
  for (let i = 0; i < tags.length; i++) {
    if (versions[i + 1] === undefined || tags[i] !== versions[i + 1]) return undefined;
  }
  return { result: parsed[3] };
}

function keepDates(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? { [DATE]: Number.isNaN(raw.getTime()) ? null : raw.getTime() } : value;
}

function reviveDates(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && DATE in value) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const time = (value as Record<string, unknown>)[DATE];
      return new Date(typeof time === 'number' ? time : Number.NaN);
    }
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
