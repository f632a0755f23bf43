import { BusShutDownError, type MessageKind } from './errors.js';

/** Default of `InFlightTracker.shutdown()`'s timeout, and of the Nest module's `shutdownTimeout`. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;

/**
 * Counts the dispatches in flight on the buses that share it (`new CommandBus({ inFlight })`) and
 * shuts them down together: `shutdown()` waits until none is running, then every later dispatch
 * is rejected with `BusShutDownError`. A bus without a tracker does no counting at all.
 *
 * Share one tracker between a command bus and a query bus whose handlers call each other: the
 * buses then close at the same instant, once neither has work in flight, so a running command
 * can still ask its queries.
 */
export class InFlightTracker {
  private running = 0;
  private state: 'open' | 'draining' | 'closed' = 'open';
  private shutdownResult: Promise<number> | undefined = undefined;
  private onIdle: (() => void) | undefined = undefined;

  /** Dispatches started on the tracked buses that have not settled yet. */
  get count(): number {
    return this.running;
  }

  /** Whether shutdown has finished: every dispatch from now on is rejected. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Waits until no dispatch is in flight, then closes the buses; dispatches started while it
   * waits (a running handler's follow-ups, say) are accepted and waited for too. After `timeout`
   * ms it closes anyway, without cancelling what still runs. Resolves to the number of dispatches
   * still running at that point: 0 unless the timeout was reached. Calling it again returns the
   * same promise.
   */
  shutdown(timeout: number = DEFAULT_SHUTDOWN_TIMEOUT): Promise<number> {
    return (this.shutdownResult ??= new Promise<number>((resolve) => {
      if (this.running === 0) {
        this.state = 'closed';
        resolve(0);
        return;
      }
      this.state = 'draining';
      const finish = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        this.state = 'closed';
        resolve(this.running);
      };
      const timer = setTimeout(finish, Math.max(0, timeout));
      this.onIdle = finish;
    }));
  }

  /**
   * Counts a dispatch that is about to start; throws `BusShutDownError` once closed.
   * @internal called by the buses.
   */
  enter(kind: MessageKind): void {
    if (this.state === 'closed') throw new BusShutDownError(kind);
    this.running++;
  }

  /**
   * Counts a dispatch as finished.
   * @internal called by the buses; bound once, so that watching a dispatch allocates no closure.
   */
  readonly leave = (): void => {
    if (--this.running === 0 && this.onIdle !== undefined) this.onIdle();
  };

  /**
   * Counts a dispatch out, then passes its value on as `undefined` / its error on unchanged: for
   * a dispatch whose promise is built by one `.then()` that also drops its value.
   * @internal called by the buses.
   */
  readonly leaveWithUndefined = (): undefined => {
    this.leave();
    return undefined;
  };

  /** @internal see `leaveWithUndefined`. */
  readonly leaveWithError = (error: unknown): never => {
    this.leave();
    throw error;
  };

  /**
   * Counts a started dispatch as finished when its result settles: at once for a plain value,
   * else when the promise does. Watches from the side: the caller's promise is not changed.
   * @internal called by the buses.
   */
  watch(result: unknown): void {
    if (result instanceof Promise) result.then(this.leave, this.leave);
    else this.leave();
  }
}
