import type { ServerResponse } from 'node:http';
import { Catch, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { sendJson } from './send-json.js';

/** The shape of better-sqlite3's `SqliteError`. */
interface SqliteError extends Error {
  code: string;
}

/**
 * Matches better-sqlite3's `SqliteError` by name and code rather than by class: the native addon
 * binds its error class once per process, so where the JS module is loaded more than once (Jest
 * runs every test file in its own realm) the error can come from another realm's class, failing
 * both `instanceof Database.SqliteError` and `instanceof Error`.
 */
class AnySqliteError {
  static [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as SqliteError).name === 'SqliteError' &&
      typeof (value as SqliteError).code === 'string'
    );
  }
}

/**
 * A write the database refused. Constraint violations the domain does not check for itself
 * (e.g. one order listing a SKU twice) mean the request conflicts with the data: 409. Any
 * other SQLite failure is a server error; its details stay in the log.
 */
@Catch(AnySqliteError)
export class SqliteErrorFilter implements ExceptionFilter<SqliteError> {
  private readonly logger = new Logger(SqliteErrorFilter.name);

  catch(error: SqliteError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    if (error.code.startsWith('SQLITE_CONSTRAINT')) {
      sendJson(response, HttpStatus.CONFLICT, {
        statusCode: HttpStatus.CONFLICT,
        code: error.code,
        message: 'The request conflicts with stored data; nothing was changed.',
      });
      return;
    }
    this.logger.error(`${error.code}: ${error.message}`, error.stack);
    sendJson(response, HttpStatus.INTERNAL_SERVER_ERROR, {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      message: 'Internal server error',
    });
  }
}
