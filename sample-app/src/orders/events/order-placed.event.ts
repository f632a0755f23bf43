/**
 * An order was placed (its row and all its lines are written). Published by `PlaceOrderHandler`;
 * two independent handlers react to it: the read model's `OrderSummaryProjection` and the
 * `OrderAuditLog`.
 */
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly userId: string,
    readonly totalCents: number,
    /** ISO 8601, as stored in `orders.created_at`. */
    readonly createdAt: string,
  ) {}
}
