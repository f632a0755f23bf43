import { Module } from '@nestjs/common';
import { ReadModelProjector } from './read-model.projector.js';

/** Provides the `ReadModelProjector` command handlers use to keep the read model current. */
@Module({
  providers: [ReadModelProjector],
  exports: [ReadModelProjector],
})
export class ReadModelModule {}
