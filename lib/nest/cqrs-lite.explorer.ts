import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModuleRef, createContextId } from '@nestjs/core';
import { CommandBus } from '../core/command-bus.js';
import { InvalidHandlerError } from '../core/errors.js';
import { EventBus } from '../core/event-bus.js';
import type { DispatchContext, MessageContext } from '../core/message-context.js';
import type { Type } from '../core/messages.js';
import type { Middleware } from '../core/middleware.js';
import { QueryBus } from '../core/query-bus.js';
import { cacheStep, invalidationStep } from '../cache/cache.step.js';
import { QueryCache } from '../cache/query-cache.js';
import { tracingMiddleware } from '../tracing/tracing.middleware.js';
import type { ValidationMiddleware } from '../validation/validation.middleware.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';
import { CQRS_LITE_MODULE_OPTIONS } from './cqrs-lite.module-definition.js';
import { HandlerMetadataAccessor } from './handler-metadata.accessor.js';
import { DECORATOR_OF, type HandlerMetadata } from './handler.decorator.js';
import { MESSAGE_VALIDATION, validationStep } from './message-validation.js';
import { MiddlewareResolver } from './middleware-resolver.js';

type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];
/** The method a handler class is called through: `execute` for commands and queries, `handle` for events. */
type HandlerMethod = 'execute' | 'handle';
type HandlerInstance = Record<HandlerMethod, (message: object, context: MessageContext) => unknown>;

/**
 * Registers every `@CommandHandler` / `@QueryHandler` / `@EventsHandler` provider of the
 * application on the buses, with its middleware resolved through DI. Runs in `onModuleInit`, so
 * registration is complete before any `onApplicationBootstrap` hook.
 */
@Injectable()
export class CqrsLiteExplorer implements OnModuleInit {
  private readonly metadata = new HandlerMetadataAccessor();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(CQRS_LITE_MODULE_OPTIONS) private readonly options: CqrsLiteModuleOptions = {},
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly eventBus: EventBus,
    @Inject(MESSAGE_VALIDATION) private readonly validation: ValidationMiddleware | null,
    private readonly cache: QueryCache,
  ) {}

  async onModuleInit(): Promise<void> {
    const options = this.options ?? {};
    const resolver = new MiddlewareResolver(this.moduleRef);
    const [shared, commandOnly, queryOnly, eventOnly] = await Promise.all([
      resolver.resolveAll(options.middleware),
      resolver.resolveAll(options.commandMiddleware),
      resolver.resolveAll(options.queryMiddleware),
      resolver.resolveAll(options.eventMiddleware),
    ]);
    // Tracing goes first, so that its span covers the whole chain.
    const tracing = options.tracing === true ? [tracingMiddleware()] : [];
    // Commands invalidate cached queries once their whole chain (a transaction, say) succeeded.
    this.commandBus.use(...tracing, ...invalidationStep(this.cache), ...shared, ...commandOnly);
    this.queryBus.use(...tracing, ...shared, ...queryOnly);
    this.eventBus.use(...tracing, ...shared, ...eventOnly);

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
      const own =
        tokens.length === 0
          ? []
          : await resolver.resolveAll(tokens, wrapper.host?.getProviderByKey<ModuleRef>(ModuleRef)?.instance);
      const handler = isStatic
        ? this.staticHandler(handlerClass, wrapper.instance, metadata)
        : this.scopedHandler(handlerClass, wrapper.token, metadata);
      for (const messageType of metadata.messageTypes) {
        const cached = metadata.kind === 'query' ? cacheStep(this.cache, messageType) : [];
        const middleware = [...own, ...cached, ...validationStep(this.validation, messageType)];
        this.register(metadata, messageType, handler, middleware);
      }
    }
  }

  private register(metadata: HandlerMetadata, type: Type, handler: object, middleware: Middleware[]) {
    const options = { middleware };
    if (metadata.kind === 'command') this.commandBus.register(type, handler as never, options);
    else if (metadata.kind === 'query') this.queryBus.register(type, handler as never, options);
    else this.eventBus.subscribe(type, handler as never, options);
  }

  /** The class a provider's instance is made from: its metatype, or for factory and value providers the instance's class. */
  private classOf(wrapper: ProviderWrapper): Function | undefined {
    if (wrapper.metatype && !wrapper.isFactory) return wrapper.metatype;
    const instance: unknown = wrapper.instance;
    if (typeof instance !== 'object' || instance === null) return undefined;
    const constructor = Object.getPrototypeOf(instance)?.constructor;
    return typeof constructor === 'function' ? constructor : undefined;
  }

  private staticHandler(handlerClass: Function, instance: unknown, metadata: HandlerMetadata): object {
    const method = methodOf(metadata);
    if (typeof (instance as HandlerInstance | undefined)?.[method] !== 'function') {
      throw this.missingMethod(handlerClass, metadata);
    }
    return instance as object;
  }

  /**
   * Request-scoped and transient handlers: resolved per dispatch in the dispatch's `contextId`
   * (given, or carried by `causedBy`, SPEC §5 C4), else in a new DI context that the context then
   * carries, so that follow-ups caused by this dispatch resolve in the same one.
   */
  private scopedHandler(handlerClass: Function, token: unknown, metadata: HandlerMetadata): Function {
    const method = methodOf(metadata);
    if (typeof handlerClass.prototype?.[method] !== 'function')
      throw this.missingMethod(handlerClass, metadata);
    const moduleRef = this.moduleRef;
    const handler = (message: object, context: MessageContext) => {
      const dispatch = context as DispatchContext;
      return moduleRef
        .resolve<HandlerInstance>(token as Function, (dispatch.contextId ??= createContextId()), {
          strict: false,
        })
        .then((instance) => instance[method](message, context));
    };
    // registrations() and error messages name the handler class, not this wrapper.
    Object.defineProperty(handler, 'name', { value: handlerClass.name });
    return handler;
  }

  private missingMethod(handlerClass: Function, metadata: HandlerMetadata): InvalidHandlerError {
    const method = methodOf(metadata);
    const types = metadata.messageTypes.map((type) => type.name).join(', ');
    return new InvalidHandlerError(
      `${handlerClass.name} is decorated with @${DECORATOR_OF[metadata.kind]}(${types}) but has no ${method}() method. ` +
        `Add ${method}(message, context) to it.`,
    );
  }
}

function methodOf(metadata: HandlerMetadata): HandlerMethod {
  return metadata.kind === 'event' ? 'handle' : 'execute';
}
