/** The events of bench/events-remote.js, shared by the measuring process and the service. */
import { Message } from 'nestjs-cqrs-lite';

/** Fanned out over NATS. */
export class FannedOut {
  constructor(orderId) {
    this.orderId = orderId;
  }
}
Message({ name: 'bench.fanned-out' })(FannedOut);

/** Stored in JetStream. */
export class Stored {
  constructor(orderId) {
    this.orderId = orderId;
  }
}
Message({ name: 'bench.stored' })(Stored);
