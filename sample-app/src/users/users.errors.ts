import { DomainError } from '../common/domain-error.js';

/** A user with this id is already registered. */
export class UserAlreadyExistsError extends DomainError {
  readonly code = 'USER_ALREADY_EXISTS';

  constructor(readonly userId: string) {
    super(`User '${userId}' already exists.`);
  }
}

/** No user with this id is registered. */
export class UserNotFoundError extends DomainError {
  readonly code = 'USER_NOT_FOUND';

  constructor(readonly userId: string) {
    super(`User '${userId}' does not exist.`);
  }
}
