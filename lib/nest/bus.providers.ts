import type { Provider } from '@nestjs/common';
import { invalidateAfterPublish } from '../cache/cache.step.js';
import { QueryCache } from '../cache/query-cache.js';
import { CommandBus } from '../core/command-bus.js';
import { EventBus } from '../core/event-bus.js';
import { InFlightTracker } from '../core/in-flight-tracker.js';
import { QueryBus } from '../core/query-bus.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import { CQRS_LITE_MODULE_OPTIONS } from './cqrs-lite.module-definition.js';
import { logEventHandlerError } from './event-error-logger.js';

/** The module's options, or none when the module is imported bare (`imports: [CqrsLiteModule]`). */
export const OPTIONS = { token: CQRS_LITE_MODULE_OPTIONS, optional: true } as const;

/**
 * The three buses and their shared in-flight tracker: one tracker, so that they close together,
 * once none has work in flight (a running command can still ask its queries and publish).
 */
export const busProviders: Provider[] = [
  { provide: InFlightTracker, useFactory: () => new InFlightTracker() },
  {
    provide: CommandBus,
    useFactory: (options: CqrsLiteModuleOptions | undefined, inFlight: InFlightTracker) =>
      new CommandBus({ propagateContext: options?.propagateContext, inFlight }),
    inject: [OPTIONS, InFlightTracker],
  },
  {
    provide: QueryBus,
    useFactory: (options: CqrsLiteModuleOptions | undefined, inFlight: InFlightTracker) =>
      new QueryBus({ propagateContext: options?.propagateContext, inFlight }),
    inject: [OPTIONS, InFlightTracker],
  },
  {
    provide: EventBus,
    useFactory: (options: CqrsLiteModuleOptions | undefined, inFlight: InFlightTracker, cache: QueryCache) =>
      new EventBus({
        propagateContext: options?.propagateContext,
        inFlight,
        // Always set: `@nestjs/cqrs` code publishes without awaiting, and no error may be lost.
        onError: options?.onEventError ?? logEventHandlerError,
        // Events invalidate cached queries once all their handlers have settled (SPEC §13 Q3).
        afterPublish: cache.enabled
          ? (events, outcome) => invalidateAfterPublish(cache, events, outcome)
          : undefined,
      }),
    inject: [OPTIONS, InFlightTracker, QueryCache],
  },
];
