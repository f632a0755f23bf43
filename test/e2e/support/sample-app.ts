import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, LoggerService } from '@nestjs/common';
import Database from 'better-sqlite3';
import request from 'supertest';
import { createApp } from '../../../sample-app/src/app.factory.js';

/** The API key the tests configure. */
export const API_KEY = 'test-key';

/** Keeps every log line (as `[context] message`) so tests can assert on them. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(message: unknown, context?: string): void {
    this.push('log', message, context);
  }
  error(message: unknown, _stack?: string, context?: string): void {
    this.push('error', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.push('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.push('verbose', message, context);
  }

  private push(level: string, message: unknown, context: string | undefined): void {
    this.lines.push(`${level} [${context ?? ''}] ${String(message)}`);
  }
}

/** A sample app listening on an ephemeral port, and a supertest client for it. */
export interface RunningApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  logger: CapturingLogger;
  close(): Promise<void>;
}

/** A fresh directory in the OS temp dir holding one SQLite file; `remove()` deletes it. */
export function temporaryDatabase(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cqrs-lite-sample-e2e-'));
  return { path: join(dir, 'sample.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the sample app on `databasePath`, listening on 127.0.0.1 at a free port. */
export async function startApp(databasePath: string, apiKey = API_KEY): Promise<RunningApp> {
  const logger = new CapturingLogger();
  const app = await createApp({ port: 0, databasePath, apiKey }, { logger });
  await app.listen(0, '127.0.0.1');
  const http = request(await app.getUrl());
  return { app, http, logger, close: () => app.close() };
}

/** A separate, read-only connection to inspect what the app committed. */
export function inspect<T>(databasePath: string, read: (db: Database.Database) => T): T {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The failing property paths of a 400 response body. */
export function failingProperties(body: { violations?: { property: string }[] }): string[] {
  return (body.violations ?? []).map((v) => v.property).sort();
}
