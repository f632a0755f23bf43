import { loadOptionalPeer } from '../../core/optional-peer.js';

type JetStreamPeer = typeof import('@nats-io/jetstream');
type TransportNodePeer = typeof import('@nats-io/transport-node');

/** `@nats-io/jetstream`, loaded on first use (an optional peer). */
export const jetStreamPeer = (): JetStreamPeer =>
  loadOptionalPeer<JetStreamPeer>('@nats-io/jetstream', 'nestjs-cqrs-lite/transport/jetstream');

/** `@nats-io/transport-node`, loaded on first use (an optional peer, also what Nest's NATS transport needs). */
export const natsPeer = (): TransportNodePeer =>
  loadOptionalPeer<TransportNodePeer>('@nats-io/transport-node', 'nestjs-cqrs-lite/transport/jetstream');
