/**
 * nestjs-cqrs-lite/transport: the same `dispatch()` / `ask()` reaching handlers in other
 * processes. Needs `@nestjs/microservices` (request/response over any `ClientProxy`).
 * @module
 */
export {
  EnvelopeConflictError,
  InvalidSubjectError,
  InvalidTimeoutError,
  InvalidTransportOptionsError,
  MessageAuthenticationError,
  ReceiverBusyError,
  RemoteError,
  RemoteHandlerNotFoundError,
  RemoteTimeoutError,
  TransportClientError,
  TransportUnavailableError,
  type AuthenticationFailure,
} from './remote-errors.js';
export {
  failureReply,
  openReply,
  successReply,
  type ReplyVerification,
  type WireError,
  type WireReply,
} from './wire.js';
export { CqrsNatsServer, type CqrsNatsServerOptions } from './cqrs-nats.server.js';
export {
  CqrsNatsDeserializer,
  MALFORMED_REQUEST,
  type IncomingPacket,
  type MalformedRequest,
  type NatsMessageLike,
} from './cqrs-nats.deserializer.js';
export {
  DEFAULT_ENVELOPE_LIMITS,
  type EnvelopeLimits,
  type ResolvedEnvelopeLimits,
} from './envelope-limits.js';
export type { ReceivingRole, SendingRole } from '../tracing/span-roles.js';
export {
  canonicalJson,
  MessageAuthenticator,
  SIGNATURE_HEADER,
  type EnvelopeLike,
  type MessageAuthenticationOptions,
  type SignedReply,
  type SigningKey,
} from './message-authentication.js';
export { DEFAULT_MAX_CLOCK_SKEW, type ReplayProtectionOptions } from './replay-guard.js';
export {
  EnvelopeReceiver,
  TRANSPORT_HEADER,
  type ReceiverOptions,
  type ReceiverSecurityOptions,
  type ReceivingBuses,
  type ReceivingEngine,
} from './receiving.js';
export {
  registerForwarders,
  type ForwardingBus,
  type ForwardingEngine,
  type ForwardingSettings,
  type ForwardTarget,
  type Outgoing,
} from './forwarding.js';
export { CqrsRemoteModule } from './cqrs-remote.module.js';
export { CQRS_REMOTE_MODULE_OPTIONS } from './cqrs-remote.module-definition.js';
export type { CqrsRemoteModuleOptions, CqrsRemoteServeOptions } from './cqrs-remote-options.interface.js';
export {
  DEADLINE_HEADER,
  DEFAULT_REMOTE_TIMEOUT,
  MAX_TIMEOUT,
  REMOTE_TIMEOUT_HEADER,
} from './remote-timeout.js';
export { DEFAULT_SUBJECT_PREFIX, remoteSubject } from './subjects.js';
