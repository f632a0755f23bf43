import { IsString, Matches } from 'class-validator';
import { Command, InvalidatesCache } from 'nestjs-cqrs-lite';
import { ID_MESSAGE, ID_PATTERN } from '../../common/identifiers.js';

/** Cancels one of a user's orders. Fails with `OrderNotFoundError` or `OrderAlreadyCancelledError`. */
@InvalidatesCache((command: CancelOrder) => [`user:${command.userId}`])
export class CancelOrder extends Command {
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  userId!: string;

  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  orderId!: string;
}
