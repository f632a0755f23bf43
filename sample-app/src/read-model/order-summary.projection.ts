import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { EventsHandler, type IEventHandler } from 'nestjs-cqrs-lite';
import { DATABASE } from '../database/database.constants.js';
import { OrderCancelled } from '../orders/events/order-cancelled.event.js';
import { OrderPlaced } from '../orders/events/order-placed.event.js';

/**
 * Keeps `order_summaries` and the user's totals in `user_summaries` in step with the orders. A
 * cancelled order counts in neither `orderCount` nor `totalCents`. It runs inside the command's
 * transaction (the command handler awaits the publish), so a failure here rolls the order back
 * too, and the read model never drifts from the write model.
 */
@EventsHandler(OrderPlaced, OrderCancelled)
export class OrderSummaryProjection implements IEventHandler<OrderPlaced | OrderCancelled> {
  private readonly insertOrder: Database.Statement;
  private readonly addToTotals: Database.Statement;
  private readonly cancelOrder: Database.Statement;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.insertOrder = db.prepare(
      `INSERT INTO order_summaries (order_id, user_id, total_cents, status, created_at)
       VALUES (?, ?, ?, 'placed', ?)`,
    );
    this.addToTotals = db.prepare(
      `UPDATE user_summaries SET order_count = order_count + ?, total_cents = total_cents + ?
       WHERE user_id = ?`,
    );
    this.cancelOrder = db.prepare(`UPDATE order_summaries SET status = 'cancelled' WHERE order_id = ?`);
  }

  handle(event: OrderPlaced | OrderCancelled): void {
    if (event instanceof OrderPlaced) {
      this.insertOrder.run(event.orderId, event.userId, event.totalCents, event.createdAt);
      this.expectOneRow(this.addToTotals.run(1, event.totalCents, event.userId), event.userId);
    } else {
      this.cancelOrder.run(event.orderId);
      this.expectOneRow(this.addToTotals.run(-1, -event.totalCents, event.userId), event.userId);
    }
  }

  private expectOneRow(result: Database.RunResult, userId: string): void {
    if (result.changes !== 1) {
      throw new Error(`Read model out of step: no user_summaries row for user '${userId}'.`);
    }
  }
}
