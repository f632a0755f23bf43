import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { CommandHandler, EventBus, type ICommandHandler, type MessageContext } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { RegisterUser } from '../commands/register-user.command.js';
import { UserRegistered } from '../events/user-registered.event.js';
import { UserAlreadyExistsError } from '../users.errors.js';

/**
 * Writes the user, then publishes `UserRegistered` (caused by this command) and awaits it: the
 * read model's handler writes its row inside the transaction `TransactionMiddleware` opened for
 * this command, so both commit together (see there why the writes themselves are synchronous).
 */
@CommandHandler(RegisterUser)
export class RegisterUserHandler implements ICommandHandler<RegisterUser> {
  private readonly exists: Database.Statement<[string]>;
  private readonly insert: Database.Statement;

  constructor(
    @Inject(DATABASE) db: Database.Database,
    private readonly events: EventBus,
  ) {
    this.exists = db.prepare('SELECT 1 FROM users WHERE user_id = ?');
    this.insert = db.prepare('INSERT INTO users (user_id, email, name, created_at) VALUES (?, ?, ?, ?)');
  }

  async execute(command: RegisterUser, context: MessageContext): Promise<void> {
    const { userId, email, name } = command;
    if (this.exists.get(userId) !== undefined) throw new UserAlreadyExistsError(userId);
    this.insert.run(userId, email, name, new Date().toISOString());
    await this.events.publish(new UserRegistered(userId, email, name), { causedBy: context });
  }
}
