import { MiddlewareResolutionError } from '../core/errors.js';
import { MIDDLEWARE_METADATA } from './constants.js';
import type { MiddlewareToken } from './cqrs-lite-options.interface.js';

/**
 * Middleware of one handler class, run after the module's middleware, in the order given.
 * Stacked `@UseMiddleware` decorators run in the order they are written, top first.
 */
export function UseMiddleware(...tokens: MiddlewareToken[]): ClassDecorator {
  for (const token of tokens) {
    if (typeof token !== 'function' && typeof token !== 'string' && typeof token !== 'symbol') {
      throw new MiddlewareResolutionError(
        token,
        '@UseMiddleware() takes middleware classes, middleware functions, or string/symbol provider tokens',
      );
    }
  }
  return (target) => {
    const existing: MiddlewareToken[] = Reflect.getOwnMetadata(MIDDLEWARE_METADATA, target) ?? [];
    // Decorators apply bottom-up; keep the order in which they are written.
    Reflect.defineMetadata(MIDDLEWARE_METADATA, [...tokens, ...existing], target);
  };
}
