/** Thrown by {@link withDeadline} when the time runs out (callers turn it into a `CqrsError`). */
export class DeadlineExceeded extends Error {}

/**
 * Settles like `promise`, or rejects with `DeadlineExceeded` after `ms`. The promise is not
 * cancelled (Redis calls cannot be); a late rejection is swallowed so that it is never unhandled.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded()), Math.max(0, ms));
  });
  promise.catch(() => undefined);
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
