/**
 * How a cached result is kept in the store, the same in every process: JSON text of
 * `[1, generation, [tag versions...], result]` (the result left out when it is `undefined`).
 * The versions are those the entry was computed under; it is served only while they are still
 * current. `Date`s survive the round trip; other class instances come back as plain data.
 */
const FORMAT = 1;
const DATE = '\u0000date';
const DATE_MARK = JSON.stringify(DATE).slice(1, -1);

/** The entry for `result`, computed under `versions` (generation first, then each tag's). Throws when the result is not JSON data. */
export function encodeEntry(result: unknown, versions: readonly string[]): string {
  const [generation, ...tags] = versions;
  const entry: unknown[] = [FORMAT, generation, tags];
  if (result !== undefined) entry.push(result);
  return JSON.stringify(entry, keepDates);
}

/** What `decodeEntry` found: the result, when the entry is current for `versions`. */
export interface DecodedEntry {
  readonly result: unknown;
}

/**
 * The stored result when `text` is an entry computed under exactly `versions` (generation, then
 * tags); `undefined` when it is missing, stale, or not an entry this package wrote.
 */
export function decodeEntry(
  text: string | undefined,
  versions: ReadonlyArray<string | undefined>,
): DecodedEntry | undefined {
  if (text === undefined) return undefined;
  let entry: unknown;
  try {
    entry = text.includes(DATE_MARK) ? JSON.parse(text, reviveDates) : JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(entry) || entry[0] !== FORMAT || entry[1] !== versions[0]) return undefined;
  const tags = entry[2];
  if (!Array.isArray(tags) || tags.length !== versions.length - 1) return undefined;
  for (let i = 0; i < tags.length; i++)
    if (versions[i + 1] === undefined || tags[i] !== versions[i + 1]) return undefined;
  return { result: entry[3] };
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
