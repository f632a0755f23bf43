/**
 * nestjs-cqrs-lite: CQRS without ceremony for NestJS.
 * Everything from `nestjs-cqrs-lite/core`, plus the Nest module and decorators.
 * @module
 */
export * from './core/index.js';
export { CqrsLiteModule } from './nest/cqrs-lite.module.js';
export { CQRS_LITE_MODULE_OPTIONS } from './nest/cqrs-lite.module-definition.js';
export type { CqrsLiteModuleOptions, MiddlewareToken } from './nest/cqrs-lite-options.interface.js';
export {
  CommandHandler,
  EventsHandler,
  QueryHandler,
  type CommandHandlerClass,
  type EventsHandlerClass,
  type QueryHandlerClass,
} from './nest/handler.decorator.js';
export { UseMiddleware } from './nest/use-middleware.decorator.js';
export { Saga, type ISaga } from './nest/saga.decorator.js';
export { ofType } from './nest/of-type.js';
export type { SagaErrorInfo } from './nest/saga-runner.js';
export { CqrsExceptionFilter, type ValidationErrorResponse } from './validation/cqrs-exception.filter.js';
export { ValidationMiddleware, validationMiddleware } from './validation/validation.middleware.js';
export type { ValidatorOptions } from './validation/validator-options.interface.js';
export { TracingMiddleware, tracingMiddleware } from './tracing/tracing.middleware.js';
export { TRACEPARENT_HEADER, TRACESTATE_HEADER, traceHeaders } from './tracing/trace-headers.js';
export { Cacheable } from './cache/cacheable.decorator.js';
export { InvalidatesCache } from './cache/invalidates-cache.decorator.js';
export { QueryCache, type QueryCacheLogger } from './cache/query-cache.js';
export { CacheInvalidationError, CacheStoreTimeoutError } from './cache/cache-errors.js';
export type {
  CacheableOptions,
  CacheManagerStore,
  KeyvLike,
  QueryCacheOptions,
} from './cache/query-cache-options.interface.js';
