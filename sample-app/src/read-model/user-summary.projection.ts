import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { EventsHandler, type IEventHandler } from 'nestjs-cqrs-lite';
import { DATABASE } from '../database/database.constants.js';
import { UserRegistered } from '../users/events/user-registered.event.js';

/** Creates a user's `user_summaries` row when the user is registered (with no orders yet). */
@EventsHandler(UserRegistered)
export class UserSummaryProjection implements IEventHandler<UserRegistered> {
  private readonly insert: Database.Statement;

  constructor(@Inject(DATABASE) db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO user_summaries (user_id, email, name, order_count, total_cents) VALUES (?, ?, ?, 0, 0)',
    );
  }

  handle(event: UserRegistered): void {
    this.insert.run(event.userId, event.email, event.name);
  }
}
