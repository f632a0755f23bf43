/**
 * nestjs-cqrs-lite/transport: the same `dispatch()` / `ask()` reaching handlers in other
 * processes. Needs `@nestjs/microservices` (request/response over any `ClientProxy`).
 * @module
 */
export {
  RemoteError,
  RemoteHandlerNotFoundError,
  RemoteTimeoutError,
  TransportUnavailableError,
} from './remote-errors.js';
export { failureReply, openReply, successReply, type WireError, type WireReply } from './wire.js';
