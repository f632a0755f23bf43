import { ReceiverBusyError, RemoteTimeoutError } from './remote-errors.js';

/** Longest stretch of the event loop spent starting received messages before I/O gets a turn. */
const SLICE_MS = 5;
/** Most messages started in one turn of the event loop. */
const MAX_BATCH = 64;

/**
 * Backpressure of a receiver: at most `maxInFlight` messages run at once; up to `maxQueued` more
 * wait in arrival order, each only until its caller's deadline; beyond that a message is refused
 * with `ReceiverBusyError` without running.
 *
 * Messages also start in turns of the event loop: a batch per turn, which grows while starting
 * them is cheap and falls to one as soon as a turn took longer than `SLICE_MS` (a handler doing
 * CPU-bound work). So a burst of slow messages does not hold every reply and every new message
 * behind all of them: replies go out between them, and those whose caller gave up meanwhile are
 * dropped at their turn instead of run.
 */
export class InFlightLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly turns: Array<() => void> = [];
  private turnScheduled = false;
  private batch = 1;
  private turnStarted = 0;
  private startedThisTurn = false;
  private stretchStarted = 0;

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
      const turn = this.turn();
      if (turn !== undefined) await turn;
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /**
   * Resolves at this message's turn of the event loop; `undefined` (start now) when none is
   * waiting and the current stretch of the event loop has lasted less than `SLICE_MS`, so that
   * requests that do not block pay nothing.
   */
  private turn(): Promise<void> | undefined {
    if (this.turns.length === 0 && !this.turnScheduled) {
      const now = performance.now();
      if (!this.startedThisTurn) {
        this.startedThisTurn = true;
        this.stretchStarted = now;
        setImmediate(() => (this.startedThisTurn = false));
        return undefined;
      }
      // More messages in the same stretch of the event loop start at once while it is short.
      if (now - this.stretchStarted < SLICE_MS) return undefined;
    }
    return new Promise((resolve) => {
      this.turns.push(resolve);
      this.scheduleTurn();
    });
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    // Scheduled from the previous turn's callback, so the event loop polls I/O in between.
    setImmediate(() => {
      this.turnScheduled = false;
      const now = performance.now();
      // The previous turn's messages ran between its callback and now: was that cheap?
      const took = this.turnStarted === 0 ? 0 : now - this.turnStarted;
      this.batch = took > SLICE_MS ? 1 : Math.min(this.batch * 2, MAX_BATCH);
      this.turnStarted = now;
      for (let i = 0; i < this.batch && this.turns.length > 0; i++) this.turns.shift()!();
      if (this.turns.length > 0) this.scheduleTurn();
      else this.turnStarted = 0;
    });
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
