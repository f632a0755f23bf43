import {
  Global,
  Inject,
  Injectable,
  Module,
  type INestApplication,
  type ModuleMetadata,
} from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsError,
  CqrsLiteModule,
  MiddlewareResolutionError,
  UseMiddleware,
  type CqrsMiddleware,
  type MessageContext,
  type MiddlewareToken,
  type Next,
} from '../../lib/index.js';
import { createApp, initError } from './test-app.js';

/** Which middleware instance or function ran, in order, per dispatch. */
const seen: Array<{ tag: string; self?: unknown }> = [];

class Ping {}

let app: INestApplication | undefined;

beforeEach(() => {
  seen.length = 0;
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

@Injectable()
class Clock {
  now() {
    return 'tick';
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
class ClockModule {}

/** A handler for Ping whose own middleware is `tokens`, in a feature module of its own. */
function handlerModule(tokens: MiddlewareToken[], extra: ModuleMetadata = {}) {
  @CommandHandler(Ping)
  @UseMiddleware(...tokens)
  class PingHandler {
    execute() {
      seen.push({ tag: 'handler' });
    }
  }
  @Module({ ...extra, providers: [PingHandler, ...(extra.providers ?? [])] })
  class PingModule {}
  return PingModule;
}

describe('class tokens', () => {
  it('N4: a class token resolves to the provider registered in another, non-exporting module', async () => {
    @Injectable()
    class Audit implements CqrsMiddleware {
      constructor(readonly clock: Clock) {}

      handle(_message: object, next: Next) {
        seen.push({ tag: `audit:${this.clock.now()}`, self: this });
        return next();
      }
    }
    // Provided only here: not exported, not global, not imported by the handler's module.
    @Module({ providers: [Audit] })
    class AuditModule {}

    app = await createApp({
      imports: [CqrsLiteModule.forRoot(), ClockModule, AuditModule, handlerModule([Audit])],
    });
    await app.get(CommandBus).dispatch(new Ping());

    expect(seen.map((s) => s.tag)).toEqual(['audit:tick', 'handler']);
    expect(seen[0]!.self).toBe(app.get(Audit, { strict: false }));
  });

  it('N4: a class token given in the module options resolves to the provider too', async () => {
    @Injectable()
    class Tracing implements CqrsMiddleware {
      handle(_message: object, next: Next) {
        seen.push({ tag: 'tracing', self: this });
        return next();
      }
    }

    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ middleware: [Tracing] }), handlerModule([])],
      providers: [Tracing],
    });
    await app.get(CommandBus).dispatch(new Ping());

    expect(seen.map((s) => s.tag)).toEqual(['tracing', 'handler']);
    expect(seen[0]!.self).toBe(app.get(Tracing));
  });

  it('N4: a class token that no module provides is instantiated with its constructor dependencies resolved', async () => {
    let constructed = 0;
    @Injectable()
    class Timing implements CqrsMiddleware {
      constructor(readonly clock: Clock) {
        constructed++;
      }

      handle(_message: object, next: Next) {
        seen.push({ tag: `timing:${this.clock.now()}`, self: this });
        return next();
      }
    }

    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ commandMiddleware: [Timing] }), ClockModule, handlerModule([])],
    });
    await app.get(CommandBus).dispatch(new Ping());
    await app.get(CommandBus).dispatch(new Ping());

    expect(seen.map((s) => s.tag)).toEqual(['timing:tick', 'handler', 'timing:tick', 'handler']);
    expect(seen[0]!.self).toBeInstanceOf(Timing);
    expect((seen[0]!.self as Timing).clock).toBe(app.get(Clock));
    // Instantiated once, at init, not per dispatch.
    expect(constructed).toBe(1);
    expect(seen[2]!.self).toBe(seen[0]!.self);
  });

  it("N4: an unprovided class in @UseMiddleware gets its dependencies from the handler's own module", async () => {
    @Injectable()
    class UserRepository {
      readonly source = 'users-module';
    }
    let constructed = 0;
    @Injectable()
    class LoadUser implements CqrsMiddleware {
      constructor(readonly users: UserRepository) {
        constructed++;
      }

      handle(_message: object, next: Next) {
        seen.push({ tag: `load:${this.users.source}`, self: this });
        return next();
      }
    }
    class Pong {}
    @CommandHandler(Pong)
    @UseMiddleware(LoadUser)
    class PongHandler {
      execute() {
        seen.push({ tag: 'pong' });
      }
    }
    // UserRepository is neither exported nor global: only the handlers' module can see it.
    const UsersModule = handlerModule([LoadUser], { providers: [UserRepository, PongHandler] });

    app = await createApp({ imports: [CqrsLiteModule.forRoot(), UsersModule] });
    await app.get(CommandBus).dispatch(new Ping());
    await app.get(CommandBus).dispatch(new Pong());

    expect(seen.map((s) => s.tag)).toEqual(['load:users-module', 'handler', 'load:users-module', 'pong']);
    expect((seen[0]!.self as LoadUser).users).toBe(app.get(UserRepository, { strict: false }));
    // One instance for both handlers of that module.
    expect(constructed).toBe(1);
  });

  it('N4: an unprovided class token whose dependencies cannot be resolved fails init with MiddlewareResolutionError naming it', async () => {
    class NotProvided {}
    @Injectable()
    class NeedsMissing implements CqrsMiddleware {
      constructor(readonly missing: NotProvided) {}

      handle(_message: object, next: Next) {
        return next();
      }
    }

    const error = await initError({ imports: [CqrsLiteModule.forRoot(), handlerModule([NeedsMissing])] });

    expect(error).toBeInstanceOf(MiddlewareResolutionError);
    expect((error as MiddlewareResolutionError).token).toBe(NeedsMissing);
    expect((error as Error).message).toContain('NeedsMissing');
  });
});

describe('string and symbol tokens', () => {
  it('N4: a string token resolves to its provider value (an object with handle())', async () => {
    @Injectable()
    class HeaderCheck implements CqrsMiddleware {
      handle(_message: object, next: Next, context: MessageContext) {
        seen.push({ tag: `header:${context.headers['x-user'] ?? '-'}`, self: this });
        return next();
      }
    }
    @Module({ providers: [{ provide: 'HEADER_CHECK', useClass: HeaderCheck }] })
    class ChecksModule {}

    app = await createApp({
      imports: [CqrsLiteModule.forRoot(), ChecksModule, handlerModule(['HEADER_CHECK'])],
    });
    await app.get(CommandBus).dispatch(new Ping(), { headers: { 'x-user': 'ann' } });

    expect(seen.map((s) => s.tag)).toEqual(['header:ann', 'handler']);
    expect(seen[0]!.self).toBe(app.get('HEADER_CHECK', { strict: false }));
  });

  it('N4: a symbol token resolves to a provider whose value is a middleware function (factory with inject)', async () => {
    const TIMESTAMPS = Symbol('timestamps');
    @Module({
      providers: [
        {
          provide: TIMESTAMPS,
          inject: [Clock],
          useFactory: (clock: Clock) =>
            function stamp(_message: object, next: Next) {
              seen.push({ tag: `stamp:${clock.now()}` });
              return next();
            },
        },
      ],
      exports: [TIMESTAMPS],
    })
    class StampModule {}

    app = await createApp({
      imports: [
        CqrsLiteModule.forRoot({ middleware: [TIMESTAMPS] }),
        ClockModule,
        StampModule,
        handlerModule([]),
      ],
    });
    await app.get(CommandBus).dispatch(new Ping());

    expect(seen.map((s) => s.tag)).toEqual(['stamp:tick', 'handler']);
  });

  it('N4: a string token whose provider value is not a middleware fails init with MiddlewareResolutionError naming the token', async () => {
    @Module({ providers: [{ provide: 'NOT_MIDDLEWARE', useValue: { process() {} } }] })
    class Values {}

    const error = await initError({
      imports: [CqrsLiteModule.forRoot(), Values, handlerModule(['NOT_MIDDLEWARE'])],
    });

    expect(error).toBeInstanceOf(MiddlewareResolutionError);
    expect(error).toBeInstanceOf(CqrsError);
    expect((error as MiddlewareResolutionError).code).toBe('CQRS_MIDDLEWARE_UNRESOLVED');
    expect((error as MiddlewareResolutionError).token).toBe('NOT_MIDDLEWARE');
    expect((error as Error).message).toContain('NOT_MIDDLEWARE');
  });

  it('N4: a symbol token whose provider value is a primitive fails init with MiddlewareResolutionError naming the token', async () => {
    const LIMIT = Symbol('rate limit');
    @Module({ providers: [{ provide: LIMIT, useValue: 42 }] })
    class Values {}

    const error = await initError({
      imports: [CqrsLiteModule.forRoot({ middleware: [LIMIT] }), Values, handlerModule([])],
    });

    expect(error).toBeInstanceOf(MiddlewareResolutionError);
    expect((error as MiddlewareResolutionError).token).toBe(LIMIT);
    expect((error as Error).message).toContain('rate limit');
  });

  it('N4: an unknown string token fails init with MiddlewareResolutionError naming the token', async () => {
    const error = await initError({ imports: [CqrsLiteModule.forRoot(), handlerModule(['NO_SUCH_TOKEN'])] });

    expect(error).toBeInstanceOf(MiddlewareResolutionError);
    expect((error as MiddlewareResolutionError).token).toBe('NO_SUCH_TOKEN');
    expect((error as Error).message).toContain('NO_SUCH_TOKEN');
  });

  it('N4: an unknown symbol token in the module options fails init with MiddlewareResolutionError', async () => {
    const MISSING = Symbol('missing middleware');
    const error = await initError({
      imports: [CqrsLiteModule.forRoot({ queryMiddleware: [MISSING] }), handlerModule([])],
    });

    expect(error).toBeInstanceOf(MiddlewareResolutionError);
    expect((error as MiddlewareResolutionError).token).toBe(MISSING);
    expect((error as Error).message).toContain('missing middleware');
  });
});

describe('function tokens', () => {
  it('N4: a function whose prototype has no handle() is used as a MiddlewareFn, not resolved through DI', async () => {
    function plain(_message: object, next: Next, context: MessageContext) {
      seen.push({ tag: `fn:${context.kind}` });
      return next();
    }
    const arrow = (_message: object, next: Next) => {
      seen.push({ tag: 'arrow' });
      return next();
    };

    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ middleware: [plain] }), handlerModule([arrow])],
    });
    await app.get(CommandBus).dispatch(new Ping());

    expect(seen.map((s) => s.tag)).toEqual(['fn:command', 'arrow', 'handler']);
  });

  it('N4: a function token is used even when a provider is registered under that function', async () => {
    // A provider keyed by the function must not replace the function itself.
    function keyed(_message: object, next: Next) {
      seen.push({ tag: 'keyed-fn' });
      return next();
    }
    @Module({ providers: [{ provide: keyed, useValue: { handle: () => seen.push({ tag: 'provider' }) } }] })
    class Keyed {}

    app = await createApp({ imports: [CqrsLiteModule.forRoot(), Keyed, handlerModule([keyed])] });
    await app.get(CommandBus).dispatch(new Ping());

    expect(seen.map((s) => s.tag)).toEqual(['keyed-fn', 'handler']);
  });

  it('N4: a class token with @Inject() string dependencies is instantiated with them', async () => {
    @Injectable()
    class Prefixer implements CqrsMiddleware {
      constructor(@Inject('PREFIX') readonly prefix: string) {}

      handle(_message: object, next: Next) {
        seen.push({ tag: `${this.prefix}:prefixer` });
        return next();
      }
    }
    @Global()
    @Module({ providers: [{ provide: 'PREFIX', useValue: 'p' }], exports: ['PREFIX'] })
    class PrefixModule {}

    app = await createApp({ imports: [CqrsLiteModule.forRoot(), PrefixModule, handlerModule([Prefixer])] });
    await app.get(CommandBus).dispatch(new Ping());

    expect(seen.map((s) => s.tag)).toEqual(['p:prefixer', 'handler']);
  });
});
