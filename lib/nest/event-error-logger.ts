import { Logger } from '@nestjs/common';
import type { EventHandlerError } from '../core/errors.js';
import { describeError, nameOf } from '../core/names.js';

const logger = new Logger('EventBus');

/**
 * The module's default `onEventError`: one log error per failed publish, naming the event and
 * each failing handler with its error (and the stack of each error that is an `Error`).
 */
export function logEventHandlerError(error: EventHandlerError): void {
  const lines = error.failures.map(
    (failure) => `${failure.handler} failed on ${nameOf(failure.event)}: ${describeError(failure.error)}`,
  );
  const stacks = error.failures
    .map((failure) => (failure.error instanceof Error ? failure.error.stack : undefined))
    .filter((stack) => stack !== undefined)
    .join('\n');
  logger.error(`Event handler failure: ${lines.join('; ')}`, stacks || undefined);
}
