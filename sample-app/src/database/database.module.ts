import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DATABASE } from './database.constants.js';
import { openDatabase } from './open-database.js';

/** Closes the connection when the application shuts down (`app.close()`, or a signal in main.ts). */
@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database.Database) {}

  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * One better-sqlite3 connection for the whole application, opened at start from
 * `AppConfig.databasePath`, with the schema created. Inject it with `@Inject(DATABASE)`.
 */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      useFactory: (config: AppConfig) => openDatabase(config.databasePath),
      inject: [APP_CONFIG],
    },
    DatabaseCloser,
  ],
  exports: [DATABASE],
})
export class DatabaseModule {}
