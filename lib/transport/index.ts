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
export { CqrsRemoteModule } from './cqrs-remote.module.js';
export { CQRS_REMOTE_MODULE_OPTIONS } from './cqrs-remote.module-definition.js';
export type { CqrsRemoteModuleOptions, CqrsRemoteServeOptions } from './cqrs-remote-options.interface.js';
export { DEFAULT_REMOTE_TIMEOUT, REMOTE_TIMEOUT_HEADER } from './remote-timeout.js';
export { DEFAULT_SUBJECT_PREFIX, remoteSubject } from './subjects.js';
