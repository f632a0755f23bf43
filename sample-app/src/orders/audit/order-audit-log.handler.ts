import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { EventsHandler, type IEventHandler, type MessageContext } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { OrderCancelled } from '../events/order-cancelled.event.js';
import { OrderPlaced } from '../events/order-placed.event.js';

/**
 * Appends every change of an order to `order_audit_log`, with the correlation id of the request
 * and the id of the command that caused it. A second, independent handler of `OrderPlaced` next
 * to the read model's projection: it knows nothing of it, and the command handler knows neither.
 */
@EventsHandler(OrderPlaced, OrderCancelled)
export class OrderAuditLog implements IEventHandler<OrderPlaced | OrderCancelled> {
  private readonly append: Database.Statement;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.append = db.prepare(
      `INSERT INTO order_audit_log (order_id, user_id, event, correlation_id, causation_id, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
  }

  handle(event: OrderPlaced | OrderCancelled, context: MessageContext): void {
    this.append.run(
      event.orderId,
      event.userId,
      context.messageName,
      context.correlationId,
      context.causationId ?? null,
      context.timestamp.toISOString(),
    );
  }
}
