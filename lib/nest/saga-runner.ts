import { isObservable, Subject, type Observable, type Subscription } from 'rxjs';
import type { CommandBus } from '../core/command-bus.js';
import { currentHandlerContext, handlerContextStorage } from '../core/context-propagation.js';
import { InvalidHandlerError } from '../core/errors.js';
import type { MessageContext } from '../core/message-context.js';
import { nameOf } from '../core/names.js';

/** What a saga failure is reported with, besides the error itself (module option `onSagaError`). */
export interface SagaErrorInfo {
  /** The saga, as `Class.property`. */
  readonly saga: string;
  /** The event the saga was processing, when known. */
  readonly event?: object;
  /** The command (or other value) whose dispatch failed, for a rejected dispatch. */
  readonly command?: object;
}

/** Reports one saga failure; must not throw. */
export type SagaErrorReporter = (error: unknown, info: SagaErrorInfo) => void;

/**
 * One `@Saga()` member, running: fed every published event through its own Subject, it dispatches
 * what the saga emits on the command bus with the event's context as `causedBy` (S2), reports
 * every failure and subscribes the saga again after its stream errors (S3).
 */
export class SagaRunner {
  private readonly events = new Subject<object>();
  private readonly input: Observable<object> = this.events.asObservable();
  private subscription: Subscription | undefined = undefined;
  /** The event being fed, while the saga processes it synchronously. */
  private current: { readonly event: object; readonly context: MessageContext } | undefined = undefined;
  /** Events per context, to name the event of a failure after a delay (with propagation only). */
  private readonly eventOf = new WeakMap<MessageContext, object>();
  private starting = false;
  private completed = false;
  private stopped = false;

  constructor(
    /** `Class.property`. */
    readonly name: string,
    private readonly saga: (events$: Observable<object>) => unknown,
    private readonly commandBus: CommandBus,
    private readonly report: SagaErrorReporter,
    private readonly propagateContext: boolean,
  ) {}

  /** Calls the saga with the event stream and subscribes to what it returns. */
  start(): void {
    if (this.stopped || this.completed) return;
    this.starting = true;
    try {
      const output = this.saga(this.input);
      if (!isObservable(output)) {
        throw new InvalidHandlerError(
          `Saga ${this.name} returned ${nameOf(output)} instead of an Observable. A saga takes the ` +
            `event stream and returns an Observable of commands: (events$) => events$.pipe(ofType(...), map(...)).`,
        );
      }
      this.subscription = output.subscribe({
        next: (command) => this.dispatch(command),
        error: (error: unknown) => this.failed(error),
        complete: () => {
          this.completed = true;
        },
      });
    } catch (error) {
      this.subscription = undefined;
      this.report(error, this.info());
    } finally {
      this.starting = false;
    }
  }

  /** Feeds one published event to the saga; never throws. */
  feed(event: object, context: MessageContext): void {
    if (this.stopped) return;
    // A saga that failed while it was being subscribed is subscribed again here, on the next event.
    if (this.subscription === undefined || this.subscription.closed) this.start();
    const previous = this.current;
    this.current = { event, context };
    try {
      if (this.propagateContext) {
        this.eventOf.set(context, event);
        handlerContextStorage().run(context, () => this.events.next(event));
      } else {
        this.events.next(event);
      }
    } catch (error) {
      this.report(error, this.info());
    } finally {
      this.current = previous;
    }
  }

  /** Unsubscribes the saga for good (application close). */
  stop(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  private dispatch(command: unknown): void {
    if (command === null || command === undefined) return;
    const cause = this.current?.context ?? (this.propagateContext ? currentHandlerContext() : undefined);
    const info = this.info(cause, command);
    try {
      // Non-objects are dispatched too: the bus rejects them with InvalidMessageError, reported below.
      this.commandBus
        .dispatch(command as object, cause === undefined ? undefined : { causedBy: cause })
        .then(undefined, (error: unknown) => this.report(error, info));
    } catch (error) {
      this.report(error, info);
    }
  }

  private failed(error: unknown): void {
    this.report(error, this.info());
    this.subscription = undefined;
    // An error while subscribing waits for the next event, so a saga that always fails cannot loop.
    if (!this.starting) this.start();
  }

  private info(cause?: MessageContext, command?: unknown): SagaErrorInfo {
    const event = this.current?.event ?? (cause === undefined ? undefined : this.eventOf.get(cause));
    const info: { saga: string; event?: object; command?: object } = { saga: this.name };
    if (event !== undefined) info.event = event;
    if (command !== undefined) info.command = command as object;
    return info;
  }
}
