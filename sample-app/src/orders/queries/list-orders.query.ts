import { Cacheable, Query } from 'nestjs-cqrs-lite';

/** One order as the read model lists it. */
export interface OrderSummary {
  orderId: string;
  totalCents: number;
  status: 'placed' | 'cancelled';
  /** ISO 8601. */
  createdAt: string;
}

/** Lists a user's orders, oldest first. Fails with `UserNotFoundError` for an unknown user. */
@Cacheable({ ttl: 30_000, tags: (query: ListOrders) => [`user:${query.userId}`] })
export class ListOrders extends Query<OrderSummary[]> {
  constructor(readonly userId: string) {
    super();
  }
}
