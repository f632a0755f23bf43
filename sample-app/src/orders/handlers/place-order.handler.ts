import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { CommandHandler, EventBus, type ICommandHandler, type MessageContext } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { UserNotFoundError } from '../../users/users.errors.js';
import { PlaceOrder } from '../commands/place-order.command.js';
import { OrderPlaced } from '../events/order-placed.event.js';
import { OrderAlreadyExistsError } from '../orders.errors.js';

/**
 * Writes the order and its lines, then publishes `OrderPlaced` (caused by this command) and
 * awaits it. Several statements, no transaction of its own: `TransactionMiddleware` wraps the
 * whole command, event handlers included, so a failure at any statement (say the second line
 * violating the `order_items` primary key, or the read model's handler failing) rolls back the
 * order row, its lines and every event handler's writes. The writes are synchronous on purpose
 * (see `TransactionMiddleware`).
 */
@CommandHandler(PlaceOrder)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrder> {
  private readonly userExists: Database.Statement<[string]>;
  private readonly orderExists: Database.Statement<[string]>;
  private readonly insertOrder: Database.Statement;
  private readonly insertLine: Database.Statement;

  constructor(
    @Inject(DATABASE) db: Database.Database,
    private readonly events: EventBus,
  ) {
    this.userExists = db.prepare('SELECT 1 FROM users WHERE user_id = ?');
    this.orderExists = db.prepare('SELECT 1 FROM orders WHERE order_id = ?');
    this.insertOrder = db.prepare(
      `INSERT INTO orders (order_id, user_id, status, total_cents, created_at) VALUES (?, ?, 'placed', ?, ?)`,
    );
    this.insertLine = db.prepare(
      'INSERT INTO order_items (order_id, sku, quantity, price_cents) VALUES (?, ?, ?, ?)',
    );
  }

  async execute(command: PlaceOrder, context: MessageContext): Promise<void> {
    const { userId, orderId } = command;
    if (this.userExists.get(userId) === undefined) throw new UserNotFoundError(userId);
    if (this.orderExists.get(orderId) !== undefined) throw new OrderAlreadyExistsError(orderId);

    const totalCents = command.totalCents();
    const createdAt = new Date().toISOString();
    this.insertOrder.run(orderId, userId, totalCents, createdAt);
    for (const line of command.items) {
      this.insertLine.run(orderId, line.sku, line.quantity, line.priceCents);
    }
    await this.events.publish(new OrderPlaced(orderId, userId, totalCents, createdAt), { causedBy: context });
  }
}
