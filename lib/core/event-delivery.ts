import { EventHandlerError, type EventHandlerFailure } from './errors.js';
import type { DispatchContext, MessageContext } from './message-context.js';
import { nameOf } from './names.js';
import { asPromiseOrValue, DONE } from './results.js';
import type { Route } from './route.js';

/**
 * Told of every event published on a bus, once its handlers have started, with a context of that
 * publish (sagas listen this way). It must not throw: what it throws counts as a failed handler.
 */
export type PublishedEventListener = (event: object, context: MessageContext) => void;

/** What the handlers of one publish did: how many are still running, and which failed. */
export class Delivery {
  private pending = 0;
  private order = 0;
  private failures: (EventHandlerFailure & { order: number })[] | undefined = undefined;
  private settle: ((error?: EventHandlerError) => void) | undefined = undefined;

  constructor(private readonly onError: ((error: EventHandlerError) => void) | undefined) {}

  private readonly done = (): void => {
    if (--this.pending === 0 && this.settle !== undefined) this.settle(this.error());
  };

  /** Starts one handler's chain; a failure, now or later, is recorded, never thrown. */
  run(route: Route, event: object, context: DispatchContext | undefined): void {
    const order = this.order++;
    let result: unknown;
    try {
      result = asPromiseOrValue(route.invoke(event, context as DispatchContext));
    } catch (error) {
      this.fail(order, route.handlerName, event, error);
      return;
    }
    if (result instanceof Promise) {
      this.pending++;
      result.then(this.done, (error: unknown) => {
        this.fail(order, route.handlerName, event, error);
        this.done();
      });
    }
  }

  /** Tells a listener of the event; what it throws counts as a failure of this publish. */
  tell(listener: PublishedEventListener, event: object, context: MessageContext): void {
    const order = this.order++;
    try {
      listener(event, context);
    } catch (error) {
      this.fail(order, nameOf(listener), event, error);
    }
  }

  /** The promise `publish` returns: settled now when every handler finished synchronously. */
  outcome(): Promise<void> {
    if (this.pending === 0) {
      const error = this.error();
      return error === undefined ? DONE : this.rejected(error);
    }
    const promise = new Promise<void>((resolve, reject) => {
      this.settle = (error) => {
        if (error === undefined) return resolve();
        this.report(error);
        reject(error);
        // With onError the error has been reported: an unawaited publish is no unhandledRejection.
        if (this.onError !== undefined) promise.catch(ignore);
      };
    });
    return promise;
  }

  private fail(order: number, handler: string, event: object, error: unknown): void {
    (this.failures ??= []).push({ order, handler, event, error });
  }

  private error(): EventHandlerError | undefined {
    if (this.failures === undefined) return undefined;
    const failures = this.failures.sort((a, b) => a.order - b.order);
    return new EventHandlerError(failures.map(({ handler, error, event }) => ({ handler, error, event })));
  }

  private rejected(error: EventHandlerError): Promise<void> {
    this.report(error);
    const promise = Promise.reject(error);
    if (this.onError !== undefined) promise.catch(ignore);
    return promise;
  }

  /** Passes the error to `onError`; an `onError` that throws surfaces as a rejection of its own. */
  private report(error: EventHandlerError): void {
    if (this.onError === undefined) return;
    try {
      this.onError(error);
    } catch (failure) {
      void Promise.reject(failure);
    }
  }
}

function ignore(): void {}

/** `promise`, marked handled when it rejects with an `EventHandlerError` (one `onError` saw). */
export function handledIfReported(promise: Promise<void>): Promise<void> {
  const passedOn: Promise<void> = promise.then(undefined, (error: unknown) => {
    if (error instanceof EventHandlerError) passedOn.catch(ignore);
    throw error;
  });
  return passedOn;
}
