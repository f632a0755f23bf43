import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { QueryHandler, type IQueryHandler } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { OrderNotFoundError } from '../orders.errors.js';
import { GetOrderAuditLog, type AuditEntry } from '../queries/get-order-audit-log.query.js';

/** Reads an order's lines of `order_audit_log`, written by the `OrderAuditLog` event handler. */
@QueryHandler(GetOrderAuditLog)
export class GetOrderAuditLogHandler implements IQueryHandler<GetOrderAuditLog> {
  private readonly select: Database.Statement<[string, string], AuditEntry>;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.select = db.prepare(
      `SELECT event, correlation_id AS correlationId, causation_id AS causationId, recorded_at AS recordedAt
       FROM order_audit_log WHERE order_id = ? AND user_id = ? ORDER BY seq`,
    );
  }

  execute(query: GetOrderAuditLog): AuditEntry[] {
    const entries = this.select.all(query.orderId, query.userId);
    if (entries.length === 0) throw new OrderNotFoundError(query.userId, query.orderId);
    return entries;
  }
}
