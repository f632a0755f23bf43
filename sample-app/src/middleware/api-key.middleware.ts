import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { CqrsMiddleware, MessageContext, Next } from 'nestjs-cqrs-lite';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { InvalidApiKeyError } from './invalid-api-key.error.js';

/** The message header carrying the key (controllers copy request headers into the context). */
export const API_KEY_HEADER = 'x-api-key';

/**
 * Permission check at the domain boundary: every command must carry the configured API key in
 * its `x-api-key` message header. It sits on the command bus, not in an HTTP guard, so commands
 * arriving any other way (a worker, a script) are checked the same way.
 *
 * The key is believed only for a dispatch made in this process (`context.origin === 'local'`). A
 * command from another process (`'remote'`: an envelope from NATS or a queue) is refused: its
 * headers came from the wire, and a key sent there would be readable by every subscriber. This
 * application serves nothing remotely; one that does authenticates its transport instead (signed
 * envelopes, broker permissions: docs/security.md) and lets `'remote'` commands through here.
 */
@Injectable()
export class ApiKeyMiddleware implements CqrsMiddleware {
  private readonly expected: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = digest(config.apiKey);
  }

  handle(_message: object, next: Next, context: MessageContext): Promise<unknown> {
    if (context.origin === 'remote') throw new InvalidApiKeyError('remote');
    const given = context.headers[API_KEY_HEADER];
    if (given === undefined || given === '') throw new InvalidApiKeyError('missing');
    // Compare digests in constant time: no timing hint about how much of the key matched.
    if (!timingSafeEqual(digest(given), this.expected)) throw new InvalidApiKeyError('wrong');
    return next();
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
