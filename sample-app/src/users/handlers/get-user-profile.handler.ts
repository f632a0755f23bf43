import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { QueryHandler, type IQueryHandler } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { GetUserProfile, type UserProfile } from '../queries/get-user-profile.query.js';
import { UserNotFoundError } from '../users.errors.js';

/** Reads the profile from the read model (`user_summaries`); computes nothing. */
@QueryHandler(GetUserProfile)
export class GetUserProfileHandler implements IQueryHandler<GetUserProfile> {
  private readonly select: Database.Statement<[string], UserProfile>;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.select = db.prepare(
      `SELECT user_id AS userId, email, name, order_count AS orderCount, total_cents AS totalCents
       FROM user_summaries WHERE user_id = ?`,
    );
  }

  execute(query: GetUserProfile): UserProfile {
    const profile = this.select.get(query.userId);
    if (profile === undefined) throw new UserNotFoundError(query.userId);
    return profile;
  }
}
