/** An order was cancelled. Published by `CancelOrderHandler` with the total it no longer counts. */
export class OrderCancelled {
  constructor(
    readonly orderId: string,
    readonly userId: string,
    readonly totalCents: number,
  ) {}
}
