import { filter, type OperatorFunction } from 'rxjs';
import type { Type } from '../core/messages.js';
import { nameOf } from '../core/names.js';

/**
 * An RxJS operator for sagas that passes only events of exactly the given classes (SPEC §12 S1;
 * an instance of a subclass does not pass, as handlers are chosen by exact class):
 * `events$.pipe(ofType(OrderPlaced, OrderPaid))`.
 */
export function ofType<T extends object[]>(
  ...types: { [K in keyof T]: Type<T[K]> }
): OperatorFunction<object, T[number]> {
  for (const type of types as Function[]) {
    if (typeof type !== 'function') {
      throw new TypeError(
        `ofType() needs event classes, got ${nameOf(type)}. If the class is imported, check for a ` +
          `circular import that leaves it undefined when the saga is defined.`,
      );
    }
  }
  const classes = new Set<unknown>(types);
  return filter(
    (event: object): event is T[number] =>
      typeof event === 'object' && event !== null && classes.has(Object.getPrototypeOf(event)?.constructor),
  );
}
