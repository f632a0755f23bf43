import { ApiHideProperty, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Matches, ValidateNested } from 'class-validator';
import { Command, InvalidatesCache } from 'nestjs-cqrs-lite';
import { ID_MESSAGE, ID_PATTERN } from '../../common/identifiers.js';
import { OrderLine } from './order-line.js';

/**
 * Places an order for a user. Fails with `UserNotFoundError` or `OrderAlreadyExistsError`.
 * The bounds on lines, quantities and prices keep every total a safe integer.
 */
@InvalidatesCache((command: PlaceOrder) => [`user:${command.userId}`])
export class PlaceOrder extends Command {
  /** From the URL, not the body. */
  @ApiHideProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  userId!: string;

  @ApiProperty({ example: 'order-1' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  orderId!: string;

  @ApiProperty({ type: [OrderLine] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderLine)
  items!: OrderLine[];

  /** The order's total in cents: the sum of quantity × unit price over its lines. */
  totalCents(): number {
    return this.items.reduce((sum, line) => sum + line.quantity * line.priceCents, 0);
  }
}
