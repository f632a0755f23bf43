import { isObservable, lastValue } from './observable.js';

/** The promise a dispatch returns when its chain finished synchronously (B4: `undefined`). */
export const DONE: Promise<undefined> = Promise.resolve(undefined);

/** Whether a value has a callable `then` (a promise, or any other thenable). May throw for a hostile Proxy. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * What a chain returned, as either a native promise or a plain value: thenables become promises,
 * so that everything after this step needs only an `instanceof Promise` check.
 */
export function asPromiseOrValue(result: unknown): unknown {
  return result instanceof Promise || !isThenable(result) ? result : Promise.resolve(result);
}

/** A handler's result, with an Observable turned into a promise of its last value (B4). */
export function handlerResult(result: unknown): unknown {
  return isObservable(result) ? lastValue(result) : result;
}

const toUndefined = (): undefined => undefined;

/** A promise of `undefined` that settles when `result` (a promise or a value) does (B4). */
export function completion(result: unknown): Promise<void> {
  return result instanceof Promise ? result.then(toUndefined) : DONE;
}

/** `result` (a promise or a value) as a promise. */
export function toPromise<T>(result: unknown): Promise<T> {
  return (result instanceof Promise ? result : Promise.resolve(result)) as Promise<T>;
}
