import type { ModuleRef } from '@nestjs/core';
import { MiddlewareResolutionError } from '../core/errors.js';
import { isMiddleware, type CqrsMiddleware, type Middleware } from '../core/middleware.js';
import { nameOf } from '../core/names.js';
import type { MiddlewareToken } from './cqrs-lite-options.interface.js';

/**
 * Turns middleware tokens into middleware (SPEC §8 N4). One resolver serves one application. A
 * middleware class that no module provides is instantiated, like a Nest guard named in
 * `@UseGuards`, in the module where it is named (the handler's module for `@UseMiddleware`, this
 * module for the module options), so its dependencies come from there; once per module.
 */
export class MiddlewareResolver {
  private readonly instantiated = new Map<ModuleRef, Map<Function, Promise<CqrsMiddleware>>>();

  constructor(private readonly moduleRef: ModuleRef) {}

  /** Resolves each token, in order; unprovided classes are instantiated in `scope`. */
  resolveAll(
    tokens: readonly MiddlewareToken[] | undefined,
    scope: ModuleRef = this.moduleRef,
  ): Promise<Middleware[]> {
    return Promise.all((tokens ?? []).map((token) => this.resolve(token, scope)));
  }

  /** Resolves one token; an unprovided class is instantiated in `scope`. */
  async resolve(token: MiddlewareToken, scope: ModuleRef = this.moduleRef): Promise<Middleware> {
    if (typeof token === 'function') {
      return typeof token.prototype?.handle === 'function'
        ? this.resolveClass(token, scope)
        : (token as Middleware);
    }
    if (typeof token === 'string' || typeof token === 'symbol') return this.resolveToken(token);
    throw new MiddlewareResolutionError(
      token,
      'a middleware token must be a middleware class, a middleware function, or a string/symbol provider token',
    );
  }

  private resolveToken(token: string | symbol): Middleware {
    let value: unknown;
    try {
      value = this.moduleRef.get(token, { strict: false });
    } catch (error) {
      throw new MiddlewareResolutionError(
        token,
        `no provider is registered under this token. Provide it in a module, e.g. { provide: ${nameOf(token)}, useClass: MyMiddleware }.`,
        { cause: error },
      );
    }
    return usable(token, value);
  }

  private async resolveClass(type: Function, scope: ModuleRef): Promise<Middleware> {
    let provided: unknown;
    try {
      provided = this.moduleRef.get(type, { strict: false });
    } catch {
      // Not provided anywhere: instantiate it below with its dependencies from the application.
    }
    // A provider registered under the class token may hold anything (useValue, useFactory).
    if (provided !== undefined) return usable(type, provided);
    let created = this.instantiated.get(scope);
    if (!created) this.instantiated.set(scope, (created = new Map()));
    let instance = created.get(type);
    if (!instance) {
      instance = scope.create(type as new () => CqrsMiddleware).catch((error: unknown) => {
        throw new MiddlewareResolutionError(
          type,
          `no module provides it, and creating it failed: ${error instanceof Error ? error.message : String(error)}. ` +
            `Add it to a module's providers, or make its constructor dependencies available.`,
          { cause: error },
        );
      });
      created.set(type, instance);
    }
    return instance;
  }
}

/** The value a token resolved to, if it is a middleware; else an error naming the token. */
function usable(token: unknown, value: unknown): Middleware {
  if (isMiddleware(value)) return value;
  throw new MiddlewareResolutionError(
    token,
    `its provider's value (${nameOf(value)}) is neither an object with a handle(message, next, context) method nor a middleware function.`,
  );
}
