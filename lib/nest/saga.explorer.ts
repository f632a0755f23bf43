import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CommandBus } from '../core/command-bus.js';
import { InvalidHandlerError } from '../core/errors.js';
import { EventBus } from '../core/event-bus.js';
import { DEFAULT_SHUTDOWN_TIMEOUT, InFlightTracker } from '../core/in-flight-tracker.js';
import { describeError, nameOf } from '../core/names.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import { CQRS_LITE_MODULE_OPTIONS } from './cqrs-lite.module-definition.js';
import { SagaRunner, type SagaErrorInfo } from './saga-runner.js';
import { sagaMembersOf } from './saga.decorator.js';

type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Subscribes every `@Saga()` of every singleton provider to the events published on the
 * application's `EventBus` (SPEC §12 S1–S4). Runs in `onModuleInit`, so sagas listen before any
 * `onApplicationBootstrap` hook; on close, it waits for the buses to drain (so that a command's
 * events can still lead to the commands its sagas send), then unsubscribes every saga.
 */
@Injectable()
export class CqrsLiteSagas implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Saga');
  private runners: SagaRunner[] = [];
  private stopListening: (() => void) | undefined = undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly commandBus: CommandBus,
    private readonly eventBus: EventBus,
    private readonly inFlight: InFlightTracker,
    @Optional() @Inject(CQRS_LITE_MODULE_OPTIONS) private readonly options: CqrsLiteModuleOptions = {},
  ) {}

  onModuleInit(): void {
    const options = this.options ?? {};
    const report = (error: unknown, info: SagaErrorInfo) => this.report(error, info);
    const runners: SagaRunner[] = [];
    const seen = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = classOf(wrapper);
      const members = type === undefined ? [] : sagaMembersOf(type);
      if (type === undefined || members.length === 0) continue;
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        throw new InvalidHandlerError(
          `${type.name} has @Saga() members but is ${wrapper.isTransient ? 'transient' : 'request-scoped'} ` +
            `(or depends on a request-scoped provider). A saga listens for the application's whole life: ` +
            `put it on a singleton provider, and resolve request-scoped services inside the commands it sends.`,
        );
      }
      const instance = wrapper.instance as Record<string | symbol, unknown>;
      // An alias (useExisting) yields the same instance under a second token: subscribe it once.
      if (seen.has(instance)) continue;
      seen.add(instance);
      for (const member of members) {
        const name = `${type.name}.${String(member)}`;
        const saga = instance[member];
        if (typeof saga !== 'function') {
          throw new InvalidHandlerError(
            `${name} is decorated with @Saga() but is ${nameOf(saga)}, not a function. Make it a method or an ` +
              `arrow-function property: (events$) => events$.pipe(ofType(SomeEvent), map(...)).`,
          );
        }
        runners.push(
          new SagaRunner(
            name,
            (saga as Function).bind(instance),
            this.commandBus,
            report,
            options.propagateContext === true,
          ),
        );
      }
    }
    if (runners.length === 0) return;
    this.runners = runners;
    for (const runner of runners) runner.start();
    this.stopListening = this.eventBus.listen((event, context) => {
      for (const runner of runners) runner.feed(event, context);
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.runners.length === 0) return;
    // The same drain as CqrsLiteShutdown's (shutdown() returns one promise): sagas keep reacting while it runs.
    await this.inFlight.shutdown(this.options?.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT);
    this.stopListening?.();
    for (const runner of this.runners) runner.stop();
    this.runners = [];
  }

  /** S3: a Logger error naming the saga, then the module option `onSagaError`. Never throws. */
  private report(error: unknown, info: SagaErrorInfo): void {
    const on = info.event === undefined ? '' : ` on ${nameOf(info.event)}`;
    const sending = info.command === undefined ? '' : ` dispatching ${nameOf(info.command)}`;
    try {
      this.logger.error(
        `Saga ${info.saga} failed${on}${sending}: ${describeError(error)}. It keeps handling later events.`,
        error instanceof Error ? error.stack : undefined,
      );
    } catch {
      // A broken logger must not stop the saga.
    }
    const onSagaError = this.options?.onSagaError;
    if (onSagaError === undefined) return;
    try {
      onSagaError(error, info);
    } catch (failure) {
      this.logger.error(
        `onSagaError threw while reporting a failure of ${info.saga}: ${describeError(failure)}`,
      );
    }
  }
}

/** The class a provider's instance is made from: its metatype, or for factory and value providers the instance's class. */
function classOf(wrapper: ProviderWrapper): Function | undefined {
  if (wrapper.metatype && !wrapper.isFactory) return wrapper.metatype;
  const instance: unknown = wrapper.instance;
  if (typeof instance !== 'object' || instance === null) return undefined;
  const constructor = Object.getPrototypeOf(instance)?.constructor;
  return typeof constructor === 'function' ? constructor : undefined;
}
