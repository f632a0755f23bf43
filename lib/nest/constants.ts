/** Reflect-metadata key of `@CommandHandler` / `@QueryHandler`. */
export const HANDLER_METADATA = 'nestjs-cqrs-lite:handler';

/** Reflect-metadata key of `@UseMiddleware`. */
export const MIDDLEWARE_METADATA = 'nestjs-cqrs-lite:middleware';
