import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { CommandHandler, EventBus, type ICommandHandler, type MessageContext } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { CancelOrder } from '../commands/cancel-order.command.js';
import { OrderCancelled } from '../events/order-cancelled.event.js';
import { OrderAlreadyCancelledError, OrderNotFoundError } from '../orders.errors.js';

interface OrderRow {
  status: 'placed' | 'cancelled';
  totalCents: number;
}

/**
 * Marks the order cancelled, then publishes `OrderCancelled` (caused by this command) and awaits
 * it, so the read model takes the order out of the user's totals in the same transaction.
 */
@CommandHandler(CancelOrder)
export class CancelOrderHandler implements ICommandHandler<CancelOrder> {
  private readonly select: Database.Statement<[string, string], OrderRow>;
  private readonly cancel: Database.Statement;

  constructor(
    @Inject(DATABASE) db: Database.Database,
    private readonly events: EventBus,
  ) {
    this.select = db.prepare(
      'SELECT status, total_cents AS totalCents FROM orders WHERE order_id = ? AND user_id = ?',
    );
    this.cancel = db.prepare(`UPDATE orders SET status = 'cancelled' WHERE order_id = ?`);
  }

  async execute(command: CancelOrder, context: MessageContext): Promise<void> {
    const { userId, orderId } = command;
    const order = this.select.get(orderId, userId);
    if (order === undefined) throw new OrderNotFoundError(userId, orderId);
    if (order.status === 'cancelled') throw new OrderAlreadyCancelledError(orderId);
    this.cancel.run(orderId);
    await this.events.publish(new OrderCancelled(orderId, userId, order.totalCents), { causedBy: context });
  }
}
