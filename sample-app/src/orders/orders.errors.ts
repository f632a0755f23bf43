import { DomainError } from '../common/domain-error.js';

/** An order with this id already exists (order ids are unique across all users). */
export class OrderAlreadyExistsError extends DomainError {
  readonly code = 'ORDER_ALREADY_EXISTS';

  constructor(readonly orderId: string) {
    super(`Order '${orderId}' already exists.`);
  }
}

/** The user has no order with this id. */
export class OrderNotFoundError extends DomainError {
  readonly code = 'ORDER_NOT_FOUND';

  constructor(
    readonly userId: string,
    readonly orderId: string,
  ) {
    super(`User '${userId}' has no order '${orderId}'.`);
  }
}

/** The order was cancelled before; an order is cancelled once. */
export class OrderAlreadyCancelledError extends DomainError {
  readonly code = 'ORDER_ALREADY_CANCELLED';

  constructor(readonly orderId: string) {
    super(`Order '${orderId}' is already cancelled.`);
  }
}
