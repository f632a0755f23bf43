/**
 * A user was registered. Published by `RegisterUserHandler` once the user row is written; the
 * read model's `UserSummaryProjection` reacts to it.
 */
export class UserRegistered {
  constructor(
    readonly userId: string,
    readonly email: string,
    readonly name: string,
  ) {}
}
