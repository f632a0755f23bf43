/**
 * Whether a handler function may see its second argument, the message context. Decided once per
 * registration, so that a dispatch with nothing able to observe its context can skip building one
 * (a clock read and an allocation on every dispatch).
 *
 * Conservative: only a plain list of at most one identifier parameter, with no `arguments` or
 * `eval` anywhere in the source, counts as "cannot". Default and rest parameters, destructuring,
 * native and bound functions all count as "may".
 */
export function mayReadContext(fn: Function): boolean {
  if (fn.length > 1) return true;
  const source = Function.prototype.toString.call(fn);
  if (source.endsWith('{ [native code] }') || /\b(arguments|eval)\b/.test(source)) return true;
  return !(ONE_PARAMETER.test(source) || BARE_ARROW.test(source));
}

/** `function f(x) {`, `f(x) {` (a method), `(x) =>`, `async (x) =>`, and the same with no parameter. */
const ONE_PARAMETER = /^(async\s*)?(function\b\s*\*?\s*[\w$]*\s*|[\w$]+\s*)?\(\s*[\w$]*\s*\)\s*(\{|=>)/;
/** `x => …`, `async x => …`. */
const BARE_ARROW = /^(async\s+)?[\w$]+\s*=>/;
