import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { CommandBus, QueryBus, type DispatchOptions } from 'nestjs-cqrs-lite';
import { MessageOptions } from '../http/dispatch-options.decorator.js';
import { CancelOrder } from './commands/cancel-order.command.js';
import { PlaceOrder } from './commands/place-order.command.js';
import { GetOrderAuditLog, type AuditEntry } from './queries/get-order-audit-log.query.js';
import { ListOrders, type OrderSummary } from './queries/list-orders.query.js';

/** A user's orders. Same shape as `UsersController`: build the message, send it, answer. */
@ApiTags('orders')
@Controller('users/:userId/orders')
export class OrdersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Post()
  @ApiHeader({ name: 'x-api-key', required: true })
  @ApiBody({ type: PlaceOrder })
  async place(
    @Param('userId') userId: string,
    @Body() body: Partial<PlaceOrder> | undefined,
    @MessageOptions() options: DispatchOptions,
  ): Promise<{ orderId: string; totalCents: number }> {
    // The user comes from the URL; only known body fields are copied.
    const command = plainToInstance(PlaceOrder, { userId, orderId: body?.orderId, items: body?.items });
    await this.commandBus.dispatch(command, options);
    return { orderId: command.orderId, totalCents: command.totalCents() };
  }

  @Get()
  list(@Param('userId') userId: string, @MessageOptions() options: DispatchOptions): Promise<OrderSummary[]> {
    return this.queryBus.ask(new ListOrders(userId), options);
  }

  @Post(':orderId/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiHeader({ name: 'x-api-key', required: true })
  async cancel(
    @Param('userId') userId: string,
    @Param('orderId') orderId: string,
    @MessageOptions() options: DispatchOptions,
  ): Promise<{ orderId: string; status: 'cancelled' }> {
    await this.commandBus.dispatch(plainToInstance(CancelOrder, { userId, orderId }), options);
    return { orderId, status: 'cancelled' };
  }

  /** What happened to the order, as the `OrderAuditLog` event handler recorded it. */
  @Get(':orderId/audit')
  audit(
    @Param('userId') userId: string,
    @Param('orderId') orderId: string,
    @MessageOptions() options: DispatchOptions,
  ): Promise<AuditEntry[]> {
    return this.queryBus.ask(new GetOrderAuditLog(userId, orderId), options);
  }
}
