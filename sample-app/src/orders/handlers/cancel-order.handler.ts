import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { CommandHandler, type ICommandHandler } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { ReadModelProjector } from '../../read-model/read-model.projector.js';
import { CancelOrder } from '../commands/cancel-order.command.js';
import { OrderAlreadyCancelledError, OrderNotFoundError } from '../orders.errors.js';

interface OrderRow {
  status: 'placed' | 'cancelled';
  totalCents: number;
}

/** Marks the order cancelled and takes it out of the user's totals. Synchronous on purpose. */
@CommandHandler(CancelOrder)
export class CancelOrderHandler implements ICommandHandler<CancelOrder> {
  private readonly select: Database.Statement<[string, string], OrderRow>;
  private readonly cancel: Database.Statement;

  constructor(
    @Inject(DATABASE) db: Database.Database,
    private readonly readModel: ReadModelProjector,
  ) {
    this.select = db.prepare(
      'SELECT status, total_cents AS totalCents FROM orders WHERE order_id = ? AND user_id = ?',
    );
    this.cancel = db.prepare(`UPDATE orders SET status = 'cancelled' WHERE order_id = ?`);
  }

  execute(command: CancelOrder): void {
    const { userId, orderId } = command;
    const order = this.select.get(orderId, userId);
    if (order === undefined) throw new OrderNotFoundError(userId, orderId);
    if (order.status === 'cancelled') throw new OrderAlreadyCancelledError(orderId);
    this.cancel.run(orderId);
    this.readModel.orderCancelled({ orderId, userId, totalCents: order.totalCents });
  }
}
