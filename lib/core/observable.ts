/**
 * The part of an RxJS `Observable` the buses use, declared structurally so that the core does not
 * load rxjs.
 */
export interface ObservableLike<T> {
  /** Starts the Observable, reporting each value, an error or completion to the observer. */
  subscribe(observer: {
    next: (value: T) => void;
    error: (error: unknown) => void;
    complete: () => void;
  }): unknown;
}

/** Whether a handler's result is an Observable (and not a promise that happens to have `subscribe`). */
export function isObservable(value: unknown): value is ObservableLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ObservableLike<unknown>).subscribe === 'function' &&
    typeof (value as PromiseLike<unknown>).then !== 'function'
  );
}

/** Resolves to the last value the Observable emits (`undefined` if it completes empty). */
export function lastValue<T>(observable: ObservableLike<T>): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let last: T | undefined;
    observable.subscribe({
      next: (value) => {
        last = value;
      },
      error: reject,
      complete: () => resolve(last),
    });
  });
}
