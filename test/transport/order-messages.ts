/** The messages both transport suites send: the same classes over NATS and over BullMQ. */
import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { Message } from '../../lib/index.js';

@Message({ name: 'orders.place' })
export class PlaceOrder {
  @IsString()
  @MinLength(2)
  orderId: string;

  @IsInt()
  @Min(1)
  quantity: number;

  constructor(orderId: string, quantity: number) {
    this.orderId = orderId;
    this.quantity = quantity;
  }
}

/** Its handler fails with an error of the application's own (retryable on a queue). */
export class ShipOrder {
  constructor(readonly orderId: string) {}
}

/** Routed by the sender, but nothing on the other side handles it. */
export class ArchiveOrder {
  constructor(readonly orderId: string) {}
}

/** The error ShipOrder's handlers throw. */
export class OutOfStockError extends Error {
  readonly code = 'OUT_OF_STOCK';
  constructor(orderId: string) {
    super(`Order ${orderId}: out of stock`);
    this.name = 'OutOfStockError';
  }
}
