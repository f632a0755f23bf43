import { Cacheable, Query } from 'nestjs-cqrs-lite';

/** A user as the read model shows it: details plus totals over the orders that are not cancelled. */
export interface UserProfile {
  userId: string;
  email: string;
  name: string;
  orderCount: number;
  totalCents: number;
}

/** Reads a user's profile. Fails with `UserNotFoundError` for an unknown id. */
@Cacheable({ ttl: 30_000, tags: (query: GetUserProfile) => [`user:${query.userId}`] })
export class GetUserProfile extends Query<UserProfile> {
  constructor(readonly userId: string) {
    super();
  }
}
