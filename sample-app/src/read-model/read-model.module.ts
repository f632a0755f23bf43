import { Module } from '@nestjs/common';
import { OrderSummaryProjection } from './order-summary.projection.js';
import { UserSummaryProjection } from './user-summary.projection.js';

/**
 * The read model (`user_summaries`, `order_summaries`): event handlers the package discovers
 * here and subscribes to `UserRegistered`, `OrderPlaced` and `OrderCancelled`. No other module
 * depends on it: the command handlers only publish events.
 */
@Module({
  providers: [UserSummaryProjection, OrderSummaryProjection],
})
export class ReadModelModule {}
