/**
 * Test helpers for code that uses nestjs-cqrs-lite (`nestjs-cqrs-lite/testing`): buses that
 * record and stub instead of running real handlers, and a way to run one handler with its
 * middleware chain without booting an application. Framework-agnostic: loads neither Nest nor a
 * test runner, so it works with Jest, Vitest or `node:test`.
 * @module
 */
export { RecordingCommandBus } from './recording-command-bus.js';
export { RecordingEventBus, type RecordedEvent } from './recording-event-bus.js';
export { StubQueryBus } from './stub-query-bus.js';
export type { RecordedMessage } from './message-log.js';
export {
  runHandler,
  type HandlerOf,
  type HandlerResult,
  type SettledResult,
  type RunHandlerOptions,
} from './run-handler.js';
export { createMessageContext, type MessageContextOverrides } from './message-context.factory.js';
