import { HANDLER_METADATA, MIDDLEWARE_METADATA } from './constants.js';
import type { MiddlewareToken } from './cqrs-lite-options.interface.js';
import type { HandlerMetadata } from './handler.decorator.js';

/** Reads what the decorators recorded on a handler class (own metadata only, not inherited). */
export class HandlerMetadataAccessor {
  handlerOf(target: Function): HandlerMetadata | undefined {
    return Reflect.getOwnMetadata(HANDLER_METADATA, target);
  }

  middlewareOf(target: Function): MiddlewareToken[] {
    return Reflect.getOwnMetadata(MIDDLEWARE_METADATA, target) ?? [];
  }
}
