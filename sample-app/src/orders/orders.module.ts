import { Module } from '@nestjs/common';
import { OrderAuditLog } from './audit/order-audit-log.handler.js';
import { CancelOrderHandler } from './handlers/cancel-order.handler.js';
import { GetOrderAuditLogHandler } from './handlers/get-order-audit-log.handler.js';
import { ListOrdersHandler } from './handlers/list-orders.handler.js';
import { PlaceOrderHandler } from './handlers/place-order.handler.js';
import { OrdersController } from './orders.controller.js';

/** Orders: placing, cancelling, listing, and the audit log of each order (an event handler). */
@Module({
  controllers: [OrdersController],
  providers: [
    PlaceOrderHandler,
    CancelOrderHandler,
    ListOrdersHandler,
    OrderAuditLog,
    GetOrderAuditLogHandler,
  ],
})
export class OrdersModule {}
