import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { DATABASE } from '../database/database.constants.js';

/**
 * Keeps the read model (`user_summaries`, `order_summaries`) in step with the write model.
 * Called by command handlers right after they change the write model, so both sides change in
 * the same transaction (see `TransactionMiddleware`): the query side never computes totals, it
 * reads them, and they cannot drift from the orders.
 */
@Injectable()
export class ReadModelProjector {
  private readonly insertUser: Database.Statement;
  private readonly insertOrder: Database.Statement;
  private readonly addToTotals: Database.Statement;
  private readonly cancelOrder: Database.Statement;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.insertUser = db.prepare(
      'INSERT INTO user_summaries (user_id, email, name, order_count, total_cents) VALUES (?, ?, ?, 0, 0)',
    );
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

  userRegistered(user: { userId: string; email: string; name: string }): void {
    this.insertUser.run(user.userId, user.email, user.name);
  }

  orderPlaced(order: { orderId: string; userId: string; totalCents: number; createdAt: string }): void {
    this.insertOrder.run(order.orderId, order.userId, order.totalCents, order.createdAt);
    this.expectOneRow(this.addToTotals.run(1, order.totalCents, order.userId), order.userId);
  }

  /** A cancelled order counts in neither `orderCount` nor `totalCents`. */
  orderCancelled(order: { orderId: string; userId: string; totalCents: number }): void {
    this.cancelOrder.run(order.orderId);
    this.expectOneRow(this.addToTotals.run(-1, -order.totalCents, order.userId), order.userId);
  }

  private expectOneRow(result: Database.RunResult, userId: string): void {
    if (result.changes !== 1) {
      throw new Error(`Read model out of step: no user_summaries row for user '${userId}'.`);
    }
  }
}
