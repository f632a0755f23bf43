import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModuleRef, createContextId } from '@nestjs/core';
import { CommandBus, type ICommandHandler } from '../core/command-bus.js';
import { InvalidHandlerError } from '../core/errors.js';
import type { DispatchContext, MessageContext } from '../core/message-context.js';
import type { Middleware } from '../core/middleware.js';
import { QueryBus, type IQueryHandler } from '../core/query-bus.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import { CQRS_LITE_MODULE_OPTIONS } from './cqrs-lite.module-definition.js';
import { HandlerMetadataAccessor } from './handler-metadata.accessor.js';
import type { HandlerMetadata } from './handler.decorator.js';
import { MiddlewareResolver } from './middleware-resolver.js';
import type { ValidationMiddleware } from '../validation/validation.middleware.js';
import { MESSAGE_VALIDATION, validationStep } from './message-validation.js';
import { tracingMiddleware } from '../tracing/tracing.middleware.js';

type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];
type ExecutableHandler = { execute(message: object, context: MessageContext): unknown };

/**
 * Registers every `@CommandHandler` / `@QueryHandler` provider of the application on the buses,
 * with its middleware resolved through DI. Runs in `onModuleInit`, so registration is complete
 * before any `onApplicationBootstrap` hook.
 */
@Injectable()
export class CqrsLiteExplorer implements OnModuleInit {
  private readonly metadata = new HandlerMetadataAccessor();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    @Inject(CQRS_LITE_MODULE_OPTIONS) private readonly options: CqrsLiteModuleOptions,
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    @Inject(MESSAGE_VALIDATION) private readonly validation: ValidationMiddleware | null,
  ) {}

  async onModuleInit(): Promise<void> {
    const resolver = new MiddlewareResolver(this.moduleRef);
    const [shared, commandOnly, queryOnly] = await Promise.all([
      resolver.resolveAll(this.options.middleware),
      resolver.resolveAll(this.options.commandMiddleware),
      resolver.resolveAll(this.options.queryMiddleware),
    ]);
    // Tracing goes first, so that its span covers the whole chain.
    const tracing = this.options.tracing === true ? [tracingMiddleware()] : [];
    this.commandBus.use(...tracing, ...shared, ...commandOnly);
    this.queryBus.use(...tracing, ...shared, ...queryOnly);

    const seen = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      const handlerClass = this.classOf(wrapper);
      const metadata = handlerClass && this.metadata.handlerOf(handlerClass);
      if (!handlerClass || !metadata) continue;
      const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
      // An alias (useExisting) yields the same instance under a second token: register it once.
      const identity = isStatic ? wrapper.instance : wrapper.token;
      if (seen.has(identity)) continue;
      seen.add(identity);
      const tokens = this.metadata.middlewareOf(handlerClass);
      // Unprovided middleware classes get their dependencies from the handler's own module.
      const middleware =
        tokens.length === 0
          ? []
          : await resolver.resolveAll(tokens, wrapper.host?.getProviderByKey<ModuleRef>(ModuleRef)?.instance);
      middleware.push(...validationStep(this.validation, metadata.messageType));
      const handler = isStatic
        ? this.staticHandler(handlerClass, wrapper.instance, metadata)
        : this.scopedHandler(handlerClass, wrapper.token, metadata);
      this.register(metadata, handler, middleware);
    }
  }

  private register(
    metadata: HandlerMetadata,
    handler: ExecutableHandler | Function,
    middleware: Middleware[],
  ) {
    const options = { middleware };
    if (metadata.kind === 'command')
      this.commandBus.register(metadata.messageType, handler as ICommandHandler, options);
    else this.queryBus.register(metadata.messageType, handler as IQueryHandler, options);
  }

  /** The class a provider's instance is made from: its metatype, or for factory and value providers the instance's class. */
  private classOf(wrapper: ProviderWrapper): Function | undefined {
    if (wrapper.metatype && !wrapper.isFactory) return wrapper.metatype;
    const instance: unknown = wrapper.instance;
    if (typeof instance !== 'object' || instance === null) return undefined;
    const constructor = Object.getPrototypeOf(instance)?.constructor;
    return typeof constructor === 'function' ? constructor : undefined;
  }

  private staticHandler(
    handlerClass: Function,
    instance: unknown,
    metadata: HandlerMetadata,
  ): ExecutableHandler {
    if (typeof (instance as ExecutableHandler | undefined)?.execute !== 'function') {
      throw this.missingExecute(handlerClass, metadata);
    }
    return instance as ExecutableHandler;
  }

  /**
   * Request-scoped and transient handlers: resolved per dispatch, in the dispatch's `contextId`
   * when one is given, else in a fresh DI context.
   */
  private scopedHandler(handlerClass: Function, token: unknown, metadata: HandlerMetadata): Function {
    if (typeof handlerClass.prototype?.execute !== 'function')
      throw this.missingExecute(handlerClass, metadata);
    const moduleRef = this.moduleRef;
    const handler = (message: object, context: MessageContext) =>
      moduleRef
        .resolve<ExecutableHandler>(
          token as Function,
          (context as DispatchContext).contextId ?? createContextId(),
          {
            strict: false,
          },
        )
        .then((instance) => instance.execute(message, context));
    // registrations() and error messages name the handler class, not this wrapper.
    Object.defineProperty(handler, 'name', { value: handlerClass.name });
    return handler;
  }

  private missingExecute(handlerClass: Function, metadata: HandlerMetadata): InvalidHandlerError {
    const decorator = metadata.kind === 'command' ? 'CommandHandler' : 'QueryHandler';
    return new InvalidHandlerError(
      `${handlerClass.name} is decorated with @${decorator}(${metadata.messageType.name}) but has no execute() method. ` +
        `Add execute(message, context) to it.`,
    );
  }
}
