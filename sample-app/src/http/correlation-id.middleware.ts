import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';

/** Request header a client may send to choose the correlation id. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Response header carrying the correlation id of everything the request caused. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** Printable ASCII without spaces, at most 128 characters: safe to echo back in a header. */
const ACCEPTABLE_ID = /^[\x21-\x7e]{1,128}$/;

const correlationIds = new WeakMap<IncomingMessage, string>();

/** The correlation id `CorrelationIdMiddleware` assigned to this request. */
export function correlationIdOf(request: IncomingMessage): string | undefined {
  return correlationIds.get(request);
}

/**
 * Gives every request a correlation id: the client's `x-request-id` when it sends a usable one,
 * else a fresh UUID. Controllers pass it on as `DispatchOptions.correlationId`, so every message
 * the request causes carries it; the response returns it in `x-correlation-id` (set before the
 * route runs, so error responses carry it too).
 */
@Injectable()
export class CorrelationIdMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  use(request: IncomingMessage, response: ServerResponse, next: () => void): void {
    const requested = request.headers[REQUEST_ID_HEADER];
    const id = typeof requested === 'string' && ACCEPTABLE_ID.test(requested) ? requested : randomUUID();
    correlationIds.set(request, id);
    response.setHeader(CORRELATION_ID_HEADER, id);
    next();
  }
}
