import { ReceiverBusyError, RemoteTimeoutError } from './remote-errors.js';

/**
 * Backpressure of a receiver: at most `maxInFlight` messages run at once; up to `maxQueued` more
 * wait in arrival order, each only until its caller's deadline; beyond that a message is refused
 * with `ReceiverBusyError` without running.
 */
export class InFlightLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxInFlight: number,
    readonly maxQueued: number,
  ) {}

  /** Messages running now. */
  get size(): number {
    return this.running;
  }

  /**
   * Runs `work` once a slot is free. `deadline` (ms since the epoch) bounds the wait: past it the
   * work is dropped with `RemoteTimeoutError`, since its caller no longer waits.
   */
  async run<T>(name: string, deadline: number | undefined, work: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxInFlight) await this.slot(name, deadline);
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Waits for a slot handed over by a finishing message (the running count stays as it is). */
  private slot(name: string, deadline: number | undefined): Promise<void> {
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(new ReceiverBusyError(name, this.maxInFlight, this.maxQueued));
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const take = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.push(take);
      if (deadline !== undefined) {
        timer = setTimeout(
          () => {
            const index = this.waiting.indexOf(take);
            if (index !== -1) this.waiting.splice(index, 1);
            reject(expired(name));
          },
          Math.min(Math.max(0, deadline - Date.now()), 2 ** 31 - 1),
        );
      }
    });
  }
}

/** The answer for work whose caller's deadline passed before it started: it did not run. */
export function expired(name: string): RemoteTimeoutError {
  return new RemoteTimeoutError(
    name,
    0,
    `The receiver dropped ${name} without running it: its caller's deadline (cqrs-deadline) had passed.`,
  );
}
