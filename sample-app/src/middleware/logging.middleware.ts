import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { CqrsError, type CqrsMiddleware, type MessageContext, type Next } from 'nestjs-cqrs-lite';
import { DomainError } from '../common/domain-error.js';

/**
 * Logs every handled message, on both buses: its name and kind, correlation id, duration and
 * outcome. Outermost middleware, so the duration includes the permission check, the transaction
 * and validation. Expected failures (domain and validation errors) are warnings; anything else
 * is an error with its stack.
 */
@Injectable()
export class LoggingMiddleware implements CqrsMiddleware {
  private readonly logger = new Logger('MessageBus');

  async handle(_message: object, next: Next, context: MessageContext): Promise<unknown> {
    const started = performance.now();
    const describe = () =>
      `${context.kind} ${context.messageName} correlationId=${context.correlationId} ` +
      `${(performance.now() - started).toFixed(1)}ms`;
    try {
      const result = await next();
      this.logger.log(`${describe()} ok`);
      return result;
    } catch (error) {
      if (error instanceof DomainError || error instanceof CqrsError) {
        this.logger.warn(`${describe()} failed: ${error.name}: ${error.message}`);
      } else {
        this.logger.error(`${describe()} failed: ${String(error)}`, (error as Error)?.stack);
      }
      throw error;
    }
  }
}
