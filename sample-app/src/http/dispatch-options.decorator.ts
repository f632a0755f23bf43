import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { DispatchOptions } from 'nestjs-cqrs-lite';
import { correlationIdOf } from './correlation-id.middleware.js';

/**
 * The `DispatchOptions` for messages sent on behalf of this request: its correlation id and its
 * (single-valued) headers as message headers, which is where the bus middleware looks for the
 * API key. Usage: `@MessageOptions() options: DispatchOptions`.
 */
export const MessageOptions = createParamDecorator(
  (_data: unknown, context: ExecutionContext): DispatchOptions => {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    return { correlationId: correlationIdOf(request) ?? randomUUID(), headers };
  },
);
