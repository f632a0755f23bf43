import { Module } from '@nestjs/common';
import { ReadModelModule } from '../read-model/read-model.module.js';
import { CancelOrderHandler } from './handlers/cancel-order.handler.js';
import { ListOrdersHandler } from './handlers/list-orders.handler.js';
import { PlaceOrderHandler } from './handlers/place-order.handler.js';
import { OrdersController } from './orders.controller.js';

/** Orders: placing, cancelling, listing. */
@Module({
  imports: [ReadModelModule],
  controllers: [OrdersController],
  providers: [PlaceOrderHandler, CancelOrderHandler, ListOrdersHandler],
})
export class OrdersModule {}
