import { Inject } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { CommandHandler, type ICommandHandler } from 'nestjs-cqrs-lite';
import { DATABASE } from '../../database/database.constants.js';
import { ReadModelProjector } from '../../read-model/read-model.projector.js';
import { RegisterUser } from '../commands/register-user.command.js';
import { UserAlreadyExistsError } from '../users.errors.js';

/**
 * Writes the user and its read-model row. Synchronous on purpose: it runs inside the
 * transaction `TransactionMiddleware` opened (see there why that matters).
 */
@CommandHandler(RegisterUser)
export class RegisterUserHandler implements ICommandHandler<RegisterUser> {
  private readonly exists: Database.Statement<[string]>;
  private readonly insert: Database.Statement;

  constructor(
    @Inject(DATABASE) db: Database.Database,
    private readonly readModel: ReadModelProjector,
  ) {
    this.exists = db.prepare('SELECT 1 FROM users WHERE user_id = ?');
    this.insert = db.prepare('INSERT INTO users (user_id, email, name, created_at) VALUES (?, ?, ?, ?)');
  }

  execute(command: RegisterUser): void {
    if (this.exists.get(command.userId) !== undefined) throw new UserAlreadyExistsError(command.userId);
    this.insert.run(command.userId, command.email, command.name, new Date().toISOString());
    this.readModel.userRegistered(command);
  }
}
