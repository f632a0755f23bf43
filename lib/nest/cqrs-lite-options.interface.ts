import type { Type } from '@nestjs/common';
import type { QueryCacheOptions } from '../cache/query-cache-options.interface.js';
import type { EventHandlerError } from '../core/errors.js';
import type { CqrsMiddleware, MiddlewareFn } from '../core/middleware.js';
import type { ValidatorOptions } from '../validation/validator-options.interface.js';
import type { SagaErrorInfo } from './saga-runner.js';

/**
 * How middleware is named in the module options and `@UseMiddleware`: a class with a `handle()`
 * method (resolved through DI), a string or symbol provider token, or a middleware function.
 */
export type MiddlewareToken = Type<CqrsMiddleware> | string | symbol | MiddlewareFn;

/** Options of `CqrsLiteModule.forRoot()` / `forRootAsync()`. */
export interface CqrsLiteModuleOptions {
  /** Middleware of both buses, outermost. */
  middleware?: MiddlewareToken[];
  /** Command bus middleware, after `middleware`. */
  commandMiddleware?: MiddlewareToken[];
  /** Query bus middleware, after `middleware`. */
  queryMiddleware?: MiddlewareToken[];
  /** Event bus middleware, after `middleware`; runs around each event handler (SPEC §11 N8). */
  eventMiddleware?: MiddlewareToken[];
  /**
   * Called with every `EventHandlerError`: once per failed `publish`/`publishAll`, whether or not
   * the publish is awaited (an awaited publish still rejects). Default: the error is logged through
   * Nest's `Logger`, naming the event and each failing handler (SPEC §11 E4b).
   */
  onEventError?: (error: EventHandlerError) => void;
  /**
   * Called with every saga failure (SPEC §12 S3): a rejected dispatch of a command it emitted
   * (`error` is the rejection reason, unchanged), an emitted non-object, or an error in the saga's
   * own stream, with the saga as `Class.property` and the event / command involved. The failure is
   * logged through Nest's `Logger` as well; the saga keeps handling later events either way.
   */
  onSagaError?: (error: unknown, info: SagaErrorInfo) => void;
  /**
   * Validate messages with class-validator right before their handler (`true`, or class-validator
   * `ValidatorOptions`). Default: on when class-validator is installed.
   */
  validation?: boolean | ValidatorOptions;
  /** A dispatch made while a handler runs defaults `causedBy` to that handler's context. Default false. */
  propagateContext?: boolean;
  /**
   * OpenTelemetry spans and metrics for every handler invocation, as the outermost step of every
   * chain (SPEC §14). Needs `@opentelemetry/api`; off by default, and then it is never loaded.
   */
  tracing?: boolean;
  /**
   * Query caching (SPEC §13): `true` for an in-memory store, or `{ store }` with a cache-manager
   * `Cache` (e.g. `@nestjs/cache-manager`'s, over Redis) shared by several processes. Off by default.
   */
  cache?: boolean | QueryCacheOptions;
  /**
   * How long (ms) closing the application waits for dispatches in flight to finish before the
   * buses shut down anyway (logging how many still run; they are not cancelled). Default 10000.
   */
  shutdownTimeout?: number;
}
