import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { QueryHandler, type IQueryHandler } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { UserNotFoundError } from '../../users/users.errors.js';
import { ListOrders, type OrderSummary } from '../queries/list-orders.query.js';

/** Lists orders from the read model (`order_summaries`), oldest first. */
@QueryHandler(ListOrders)
export class ListOrdersHandler implements IQueryHandler<ListOrders> {
  private readonly userExists: Database.Statement<[string]>;
  private readonly select: Database.Statement<[string], OrderSummary>;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.userExists = db.prepare('SELECT 1 FROM user_summaries WHERE user_id = ?');
    this.select = db.prepare(
      `SELECT order_id AS orderId, total_cents AS totalCents, status, created_at AS createdAt
       FROM order_summaries WHERE user_id = ? ORDER BY seq`,
    );
  }

  execute(query: ListOrders): OrderSummary[] {
    if (this.userExists.get(query.userId) === undefined) throw new UserNotFoundError(query.userId);
    return this.select.all(query.userId);
  }
}
