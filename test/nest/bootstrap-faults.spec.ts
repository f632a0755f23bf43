import { Inject, Injectable, Module, forwardRef } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  MiddlewareResolutionError,
  UseMiddleware,
  type CqrsMiddleware,
  type Next,
} from '../../lib/index.js';
import { createApp, initError } from './test-app.js';

/* Faults while the application boots: init fails, and the error names the class or token at fault. */

class Cmd {}
class OtherCmd {}
const ctorFailure = new Error('constructor failed');

@Injectable()
class ExplodingMiddleware implements CqrsMiddleware {
  constructor() {
    throw ctorFailure;
  }
  handle(_message: object, next: Next) {
    return next();
  }
}

@CommandHandler(Cmd)
class ExplodingHandler {
  constructor() {
    throw ctorFailure;
  }
  execute() {}
}

@Injectable()
class AuditMiddleware implements CqrsMiddleware {
  handle(_message: object, next: Next) {
    return next();
  }
}

class NotAMiddleware {
  check() {}
}

@CommandHandler(Cmd)
@UseMiddleware('AUDIT')
class AuditedHandler {
  execute() {}
}

@CommandHandler(Cmd)
class FirstHandler {
  constructor(@Inject('SECOND') readonly second: unknown) {}
  execute() {}
}

@CommandHandler(OtherCmd)
class SecondHandler {
  constructor(@Inject('FIRST') readonly first: unknown) {}
  execute() {}
}

@CommandHandler(Cmd)
class ForwardFirstHandler {
  constructor(@Inject(forwardRef(() => 'FORWARD_SECOND')) readonly second: { execute(): void }) {}
  execute() {
    return this.second.execute();
  }
}

@CommandHandler(OtherCmd)
class ForwardSecondHandler {
  calls = 0;
  constructor(@Inject(forwardRef(() => 'FORWARD_FIRST')) readonly first: unknown) {}
  execute() {
    this.calls++;
  }
}

describe('faults during bootstrap', () => {
  it('N4: an unprovided middleware class whose constructor throws fails init with MiddlewareResolutionError naming it', async () => {
    const error = await initError({
      imports: [CqrsLiteModule.forRoot({ middleware: [ExplodingMiddleware] })],
    });
    expect(error).toBeInstanceOf(MiddlewareResolutionError);
    expect((error as MiddlewareResolutionError).token).toBe(ExplodingMiddleware);
    expect((error as Error).message).toContain('ExplodingMiddleware');
    expect((error as Error).cause).toBe(ctorFailure);
  });

  it('a provided middleware or handler whose constructor throws fails init with that very error (from Nest DI)', async () => {
    const middleware = await initError({
      imports: [CqrsLiteModule.forRoot({ middleware: [ExplodingMiddleware] })],
      providers: [ExplodingMiddleware],
    });
    const handler = await initError({ imports: [CqrsLiteModule.forRoot()], providers: [ExplodingHandler] });
    expect(middleware).toBe(ctorFailure);
    expect(handler).toBe(ctorFailure);
  });

  it.each([
    ['a string token provided as a number', 'AUDIT', { provide: 'AUDIT', useValue: 42 }, "'AUDIT'"],
    ['a string token provided as null', 'AUDIT', { provide: 'AUDIT', useValue: null }, "'AUDIT'"],
    [
      'a class token provided as a non-middleware object',
      AuditMiddleware,
      { provide: AuditMiddleware, useValue: new NotAMiddleware() },
      'AuditMiddleware',
    ],
    [
      'a class token provided as null',
      AuditMiddleware,
      { provide: AuditMiddleware, useValue: null },
      'AuditMiddleware',
    ],
    [
      'a class token whose factory returns a string',
      AuditMiddleware,
      { provide: AuditMiddleware, useFactory: () => 'nope' },
      'AuditMiddleware',
    ],
  ])(
    'N4: %s fails init with MiddlewareResolutionError naming the token',
    async (_name, token, provider, named) => {
      const error = await initError({
        imports: [CqrsLiteModule.forRoot({ middleware: [token as never] })],
        providers: [provider],
      });
      expect(error).toBeInstanceOf(MiddlewareResolutionError);
      expect((error as MiddlewareResolutionError).token).toBe(token);
      expect((error as Error).message).toContain(`Cannot resolve middleware ${named}`);
    },
  );

  it('N4: a @UseMiddleware token resolving to a non-middleware value fails init naming the token', async () => {
    @Module({ providers: [AuditedHandler, { provide: 'AUDIT', useValue: { handle: 'not a function' } }] })
    class AuditedModule {}
    const error = await initError({ imports: [CqrsLiteModule.forRoot(), AuditedModule] });
    expect(error).toBeInstanceOf(MiddlewareResolutionError);
    expect((error as Error).message).toContain("'AUDIT'");
  });

  it('circular handler dependencies without forwardRef fail init with an error naming the handler', async () => {
    const error = await initError({
      imports: [CqrsLiteModule.forRoot()],
      providers: [
        { provide: 'FIRST', useClass: FirstHandler },
        { provide: 'SECOND', useClass: SecondHandler },
      ],
    });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/circular dependency/i);
    expect((error as Error).message).toMatch(/FirstHandler|SecondHandler/);
  });

  it('circular handler dependencies with forwardRef boot, and both handlers are registered and work', async () => {
    const app = await createApp({
      imports: [CqrsLiteModule.forRoot()],
      providers: [
        { provide: 'FORWARD_FIRST', useClass: ForwardFirstHandler },
        { provide: 'FORWARD_SECOND', useClass: ForwardSecondHandler },
      ],
    });
    try {
      const bus = app.get(CommandBus);
      expect(
        bus
          .registrations()
          .map((r) => r.handler)
          .sort(),
      ).toEqual(['ForwardFirstHandler', 'ForwardSecondHandler']);
      await bus.dispatch(new Cmd());
      await bus.dispatch(new OtherCmd());
      expect(app.get<ForwardSecondHandler>('FORWARD_SECOND').calls).toBe(2);
    } finally {
      await app.close();
    }
  });
});
