import { Query } from 'nestjs-cqrs-lite';

/** One line of an order's audit log. */
export interface AuditEntry {
  /** The event's message name: `OrderPlaced` or `OrderCancelled`. */
  event: string;
  /** The request's correlation id (`x-request-id`, else generated). */
  correlationId: string;
  /** The id of the command that caused the event. */
  causationId: string | null;
  recordedAt: string;
}

/** An order's audit log, oldest first. Fails with `OrderNotFoundError`. */
export class GetOrderAuditLog extends Query<AuditEntry[]> {
  constructor(
    readonly userId: string,
    readonly orderId: string,
  ) {
    super();
  }
}
