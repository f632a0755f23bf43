import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type Database from 'better-sqlite3';
import { DATABASE } from '../database/database.constants.js';

/** Liveness: the process answers and the database connection works. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(DATABASE) private readonly db: Database.Database) {}

  @Get()
  check(): { status: 'ok' } {
    this.db.prepare('SELECT 1').get();
    return { status: 'ok' };
  }
}
