import { setInvalidation } from './cache-metadata.js';

/**
 * Declares which cached queries a command or event class makes stale: once a message of this
 * class has been handled (a command successfully; an event once all its handlers have settled),
 * every entry carrying one of the returned tags is stale, before `dispatch()` / `publish()`
 * resolves.
 *
 * ```ts
 * @InvalidatesCache((command: PlaceOrder) => [`user:${command.userId}`])
 * export class PlaceOrder extends Command { ... }
 * ```
 */
export function InvalidatesCache<M extends object = any>(
  tags: (message: M) => readonly string[],
): ClassDecorator {
  return (target) => setInvalidation(target, tags);
}
