import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { CqrsMiddleware, Next } from 'nestjs-cqrs-lite';
import { DATABASE } from '../database/database.constants.js';
import { SerialQueue } from './serial-queue.js';

/**
 * The transaction boundary of every command: all of a command's writes commit together or not
 * at all (a handler failing at its third statement leaves no trace of the first two).
 *
 * Why BEGIN/COMMIT statements and not `db.transaction(fn)`: better-sqlite3's `transaction()`
 * wraps a *synchronous* function, but the rest of the chain is reached through `next()`, which
 * returns a promise (async middleware may sit between us and the handler, e.g. validation).
 * So this middleware opens the transaction, awaits `next()`, and commits or rolls back.
 *
 * What keeps that correct on one shared connection:
 * - Commands are serialized (`SerialQueue`): a second command's BEGIN waits until the first one
 *   has committed or rolled back, so transactions never interleave and BEGIN never nests.
 * - Handlers do their database work synchronously (better-sqlite3 is synchronous), so a handler
 *   never yields half-way through its writes; nothing else can run between two of its statements.
 * - A command handler publishes its events and awaits the publish, so the event handlers' writes
 *   (the read model, the audit log) happen inside this transaction too, and a failing event
 *   handler (`EventHandlerError`) rolls the whole command back. Event handlers do not pass this
 *   middleware (it is command middleware), so they never queue behind their own command. They
 *   must do their writes synchronously as well, for the same reason as command handlers.
 * - The open transaction only spans the microtask hops of the middleware below us (no I/O), so
 *   in practice no query observes it either. A middleware that did real async I/O between BEGIN
 *   and the handler would widen that window; queries would then be able to read the command's
 *   writes before COMMIT (same connection). Keep such middleware in front of this one.
 * - A handler must not `await` a command dispatched from within it: that command would queue
 *   behind its caller's transaction and wait forever.
 */
@Injectable()
export class TransactionMiddleware implements CqrsMiddleware {
  private readonly queue = new SerialQueue();
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(@Inject(DATABASE) private readonly db: Database.Database) {
    // IMMEDIATE takes the write lock at BEGIN: if another process writes to the same file, we
    // wait (better-sqlite3's 5 s busy timeout) or fail at BEGIN, never half-way through a command.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  handle(_message: object, next: Next): Promise<unknown> {
    return this.queue.run(async () => {
      this.begin.run();
      try {
        const result = await next();
        this.commit.run();
        return result;
      } catch (error) {
        // Some SQLite errors (e.g. SQLITE_FULL) already rolled the transaction back.
        if (this.db.inTransaction) this.rollback.run();
        throw error;
      }
    });
  }
}
