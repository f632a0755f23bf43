import { Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  Query,
  QueryBus,
  QueryHandler,
  type CqrsLiteModuleOptions,
  type MiddlewareFn,
} from '../../lib/index.js';
import * as core from '../../lib/core/index.js';
import { createApp, initError } from './test-app.js';

class Ping {}
class GetAnswer extends Query<number> {}

const log: string[] = [];

@CommandHandler(Ping)
class PingHandler {
  execute() {
    log.push('ping');
  }
}

@QueryHandler(GetAnswer)
class GetAnswerHandler {
  execute() {
    return 42;
  }
}

/** A feature module that never imports CqrsLiteModule but injects both buses. */
@Injectable()
class BusUser {
  constructor(
    readonly commandBus: CommandBus,
    readonly queryBus: QueryBus,
  ) {}
}

@Module({ providers: [BusUser, PingHandler, GetAnswerHandler] })
class FeatureModule {}

const CONFIG = 'CQRS_TEST_CONFIG';

@Module({ providers: [{ provide: CONFIG, useValue: { tag: 'from-config' } }], exports: [CONFIG] })
class ConfigModule {}

function recorder(tag: string): MiddlewareFn {
  return (_message, next) => {
    log.push(tag);
    return next();
  };
}

let app: INestApplication | undefined;

beforeEach(() => {
  log.length = 0;
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('CqrsLiteModule.forRoot()', () => {
  it('N1: provides a CommandBus and a QueryBus, instances of the core classes', async () => {
    app = await createApp({ imports: [CqrsLiteModule.forRoot()] });

    const commandBus = app.get(CommandBus);
    const queryBus = app.get(QueryBus);
    expect(commandBus).toBeInstanceOf(core.CommandBus);
    expect(queryBus).toBeInstanceOf(core.QueryBus);
    // The core classes themselves are the DI tokens.
    expect(app.get(core.CommandBus)).toBe(commandBus);
    expect(app.get(core.QueryBus)).toBe(queryBus);
  });

  it('N1: forRoot() with no argument is global: a module that does not import it injects the buses', async () => {
    app = await createApp({ imports: [CqrsLiteModule.forRoot(), FeatureModule] });

    const user = app.get(BusUser);
    expect(user.commandBus).toBe(app.get(CommandBus));
    expect(user.queryBus).toBe(app.get(QueryBus));
    await user.commandBus.dispatch(new Ping());
    expect(log).toEqual(['ping']);
    await expect(user.queryBus.ask(new GetAnswer())).resolves.toBe(42);
  });

  it('N1: global: false — a module that does not import CqrsLiteModule cannot inject the buses', async () => {
    const error = await initError({ imports: [CqrsLiteModule.forRoot({ global: false }), FeatureModule] });

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/BusUser/);
    expect((error as Error).message).toMatch(/CommandBus/);
  });

  it('N1: global: false — the importing module still gets the buses, and handlers everywhere are registered', async () => {
    @Module({ providers: [PingHandler, GetAnswerHandler] })
    class HandlersOnly {}

    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ global: false }), HandlersOnly],
      providers: [BusUser],
    });

    const user = app.get(BusUser);
    await user.commandBus.dispatch(new Ping());
    expect(log).toEqual(['ping']);
    await expect(user.queryBus.ask(new GetAnswer())).resolves.toBe(42);
  });

  it('N1: module options reach the buses (middleware given to forRoot runs)', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ middleware: [recorder('root-mw')] }), FeatureModule],
    });

    await app.get(CommandBus).dispatch(new Ping());
    expect(log).toEqual(['root-mw', 'ping']);
  });
});

describe('CqrsLiteModule.forRootAsync()', () => {
  it('N1: useFactory with inject and imports: the factory receives its dependencies and its options apply', async () => {
    const seen: unknown[] = [];
    app = await createApp({
      imports: [
        CqrsLiteModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { tag: string }): CqrsLiteModuleOptions => {
            seen.push(config);
            return { commandMiddleware: [recorder(config.tag)] };
          },
        }),
        FeatureModule,
      ],
    });

    expect(seen).toEqual([{ tag: 'from-config' }]);
    await app.get(CommandBus).dispatch(new Ping());
    expect(log).toEqual(['from-config', 'ping']);
    // commandMiddleware does not reach the query bus.
    await expect(app.get(QueryBus).ask(new GetAnswer())).resolves.toBe(42);
    expect(log).toEqual(['from-config', 'ping']);
  });

  it('N1: an async useFactory (returning a promise) is awaited', async () => {
    app = await createApp({
      imports: [
        CqrsLiteModule.forRootAsync({
          useFactory: async () => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { queryMiddleware: [recorder('async-factory')] };
          },
        }),
        FeatureModule,
      ],
    });

    await expect(app.get(QueryBus).ask(new GetAnswer())).resolves.toBe(42);
    expect(log).toEqual(['async-factory']);
  });

  it('N1: useClass — the class is instantiated with its dependencies and create() supplies the options', async () => {
    @Injectable()
    class CqrsOptionsFactory {
      constructor(@Inject(CONFIG) private readonly config: { tag: string }) {}

      create(): CqrsLiteModuleOptions {
        return { middleware: [recorder(`class:${this.config.tag}`)] };
      }
    }

    app = await createApp({
      imports: [
        CqrsLiteModule.forRootAsync({ imports: [ConfigModule], useClass: CqrsOptionsFactory }),
        FeatureModule,
      ],
    });

    await app.get(CommandBus).dispatch(new Ping());
    await app.get(QueryBus).ask(new GetAnswer());
    expect(log).toEqual(['class:from-config', 'ping', 'class:from-config']);
  });

  it('N1: useExisting — an options factory provided by an imported module is used', async () => {
    @Injectable()
    class SharedOptions {
      create(): CqrsLiteModuleOptions {
        return { middleware: [recorder('existing')] };
      }
    }
    @Module({ providers: [SharedOptions], exports: [SharedOptions] })
    class SharedOptionsModule {}

    app = await createApp({
      imports: [
        CqrsLiteModule.forRootAsync({ imports: [SharedOptionsModule], useExisting: SharedOptions }),
        FeatureModule,
      ],
    });

    await app.get(CommandBus).dispatch(new Ping());
    expect(log).toEqual(['existing', 'ping']);
  });

  it('N1: forRootAsync() is global by default: a module that does not import it injects the buses', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRootAsync({ useFactory: () => ({}) }), FeatureModule],
    });

    const user = app.get(BusUser);
    expect(user.commandBus).toBe(app.get(CommandBus));
    expect(user.queryBus).toBe(app.get(QueryBus));
    await user.commandBus.dispatch(new Ping());
    expect(log).toEqual(['ping']);
  });

  it('N1: forRootAsync({ global: false }) keeps the buses to the importing module', async () => {
    const error = await initError({
      imports: [CqrsLiteModule.forRootAsync({ global: false, useFactory: () => ({}) }), FeatureModule],
    });

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/BusUser/);
  });
});
