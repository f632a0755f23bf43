/**
 * The framework-free core of nestjs-cqrs-lite (`nestjs-cqrs-lite/core`): buses, middleware,
 * message context, errors, and `AggregateRoot` / `EventPublisher`. Loads no `@nestjs/*` module.
 * @module
 */
export { CommandBus, type CommandHandlerFn, type ICommandHandler } from './command-bus.js';
export { QueryBus, type IQueryHandler, type QueryHandlerFn } from './query-bus.js';
export {
  EventBus,
  type EventBusOptions,
  type EventHandlerRegistration,
  type EventHandlerFn,
  type EventRegistration,
  type IEventHandler,
  type PublishedEventListener,
} from './event-bus.js';
export type { BusOptions, MessageBus } from './message-bus.js';
export type { HandlerBus, Registration } from './handler-bus.js';
export type { RegisterOptions } from './route.js';
export {
  Command,
  Query,
  Message,
  getMessageMetadata,
  type ICommand,
  type IEvent,
  type IQuery,
  type QueryResult,
  type Type,
  type MessageMetadata,
} from './messages.js';
export type { ContextId, DispatchOptions, MessageContext, MessageContextData } from './message-context.js';
export type { CqrsMiddleware, Middleware, MiddlewareFn, Next } from './middleware.js';
export type { ObservableLike } from './observable.js';
export type { Envelope } from './envelope.js';
export { AggregateRoot, type AggregatePublisher, type ApplyOptions } from './aggregate-root.js';
export { EventPublisher } from './event-publisher.js';
export { InFlightTracker } from './in-flight-tracker.js';
export {
  BusShutDownError,
  CqrsError,
  DuplicateHandlerError,
  DuplicateMessageNameError,
  EnvelopeError,
  EventHandlerError,
  HandlerNotFoundError,
  InvalidHandlerError,
  InvalidMessageError,
  MessageValidationError,
  MiddlewareResolutionError,
  NoPublisherError,
  type EventHandlerFailure,
  type MessageKind,
  type ValidationErrorLike,
  type Violation,
} from './errors.js';
export { command, defaultCommandBus, defaultQueryBus, query } from './default-buses.js';
