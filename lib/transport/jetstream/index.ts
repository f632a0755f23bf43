/**
 * nestjs-cqrs-lite/transport/jetstream: durable events across services on NATS JetStream. An
 * event is stored before `publish()` resolves, consumed by a durable consumer per service,
 * acknowledged once its handlers settled, retried, and parked after `maxDeliver` attempts. At
 * least once. Needs `@nats-io/jetstream` and `@nats-io/transport-node`.
 * @module
 */
export { CqrsJetStreamModule } from './cqrs-jetstream.module.js';
export { CQRS_JETSTREAM_MODULE_OPTIONS } from './cqrs-jetstream.module-definition.js';
export { CqrsJetStreamEvents } from './cqrs-jetstream.events.js';
export {
  DEFAULT_DUPLICATE_WINDOW,
  DEFAULT_EVENT_STREAM,
  DEFAULT_PUBLISH_TIMEOUT,
  JetStreamEventStream,
} from './jetstream-event-stream.js';
export {
  DEFAULT_ACK_WAIT,
  DEFAULT_BACKOFF,
  DEFAULT_MAX_DELIVER,
  JetStreamEventConsumer,
} from './jetstream-event-consumer.js';
export { publishToJetStream, type JetStreamPublishSettings } from './jetstream-event-publisher.js';
export { JetStreamOptionsError } from './jetstream-errors.js';
export {
  DELIVERY_ATTEMPT_HEADER,
  PARKED_ATTEMPTS_HEADER,
  PARKED_ERROR_HEADER,
  PARKED_REASON_HEADER,
  PARKED_SEQUENCE_HEADER,
} from './jetstream-headers.js';
export type {
  CqrsJetStreamModuleOptions,
  JetStreamConsumeOptions,
  JetStreamDeliverFrom,
  NatsConnectionLike,
  ParkedEvent,
} from './jetstream-options.interface.js';
export { TransportUnavailableError } from '../remote-errors.js';
