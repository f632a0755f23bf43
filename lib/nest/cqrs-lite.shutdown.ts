import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { DEFAULT_SHUTDOWN_TIMEOUT, InFlightTracker } from '../core/in-flight-tracker.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import { CQRS_LITE_MODULE_OPTIONS } from './cqrs-lite.module-definition.js';

/**
 * Lets the dispatches and publishes in flight finish when the application closes, then shuts the buses.
 * Drains in `onModuleDestroy`, the earliest shutdown hook Nest has, so that every
 * `beforeApplicationShutdown` / `onApplicationShutdown` hook (where connection pools are usually
 * closed) and the closing of the HTTP server come after it.
 */
@Injectable()
export class CqrsLiteShutdown implements OnModuleDestroy {
  private readonly logger = new Logger('CqrsLiteModule');

  constructor(
    private readonly inFlight: InFlightTracker,
    @Optional() @Inject(CQRS_LITE_MODULE_OPTIONS) private readonly options: CqrsLiteModuleOptions = {},
  ) {}

  async onModuleDestroy(): Promise<void> {
    const timeout = this.options?.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
    const running = await this.inFlight.shutdown(timeout);
    if (running > 0) {
      this.logger.warn(
        `${running} dispatch${running === 1 ? ' was' : 'es were'} still running after ` +
          `shutdownTimeout (${timeout} ms). The buses are closed; the running handlers were not stopped ` +
          `and may fail when the resources they use are closed.`,
      );
    }
  }
}
