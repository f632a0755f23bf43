/**
 * Display name of a class, function or object for error messages and `registrations()`:
 * a function's or class's own name, an object's class name, `'anonymous'` when there is none.
 */
export function nameOf(value: unknown): string {
  try {
    return nameOfUnsafe(value);
  } catch {
    // A hostile value (a Proxy whose traps throw) must not turn an error message into a crash.
    return 'anonymous';
  }
}

function nameOfUnsafe(value: unknown): string {
  if (typeof value === 'function') return value.name || 'anonymous';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'symbol') return value.toString();
  if (value !== null && typeof value === 'object') {
    const ctor = Object.getPrototypeOf(value)?.constructor;
    if (typeof ctor === 'function' && ctor !== Object && ctor.name) return ctor.name;
    return 'anonymous';
  }
  return String(value);
}

/** What an error says, for embedding in another error's message; never throws, whatever was thrown. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an unreadable value';
  }
}
