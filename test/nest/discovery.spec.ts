import { Injectable, Module, type INestApplication, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  HandlerNotFoundError,
  Query,
  QueryBus,
  QueryHandler,
} from '../../lib/index.js';
import { createApp } from './test-app.js';

const calls: Array<{ handler: string; instance: object; message: object }> = [];

class CreateUser {
  constructor(readonly name: string) {}
}
class RenameUser {}
class GetUserCount extends Query<number> {}
class GetUserName extends Query<string> {}

@CommandHandler(CreateUser)
class CreateUserHandler {
  execute(command: CreateUser) {
    calls.push({ handler: 'CreateUserHandler', instance: this, message: command });
  }
}

@CommandHandler(RenameUser)
class RenameUserHandler {
  execute(command: RenameUser) {
    calls.push({ handler: 'RenameUserHandler', instance: this, message: command });
  }
}

@QueryHandler(GetUserCount)
class GetUserCountHandler {
  execute() {
    return 3;
  }
}

@QueryHandler(GetUserName)
class GetUserNameHandler {
  userName = 'ann';

  execute() {
    return this.userName;
  }
}

let app: INestApplication | undefined;

beforeEach(() => {
  calls.length = 0;
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('handler discovery', () => {
  it('N2: registers handlers from several feature modules, including modules imported by feature modules', async () => {
    @Module({ providers: [GetUserCountHandler] })
    class NestedModule {}
    @Module({ imports: [NestedModule], providers: [CreateUserHandler] })
    class UsersModule {}
    @Module({ providers: [RenameUserHandler, GetUserNameHandler] })
    class ProfilesModule {}

    app = await createApp({ imports: [UsersModule, CqrsLiteModule.forRoot(), ProfilesModule] });
    const commandBus = app.get(CommandBus);
    const queryBus = app.get(QueryBus);

    expect(commandBus.has(CreateUser)).toBe(true);
    expect(commandBus.has(RenameUser)).toBe(true);
    expect(queryBus.has(GetUserCount)).toBe(true);
    expect(queryBus.has(GetUserName)).toBe(true);
    expect(commandBus.registrations().map((r) => r.handler)).toEqual(
      expect.arrayContaining(['CreateUserHandler', 'RenameUserHandler']),
    );
    expect(commandBus.registrations()).toHaveLength(2);
    expect(queryBus.registrations()).toHaveLength(2);

    const create = new CreateUser('ann');
    await commandBus.dispatch(create);
    await commandBus.dispatch(new RenameUser());
    expect(calls.map((c) => c.handler)).toEqual(['CreateUserHandler', 'RenameUserHandler']);
    // The DI instance of the provider is the one called, with the dispatched message.
    expect(calls[0]!.instance).toBe(app.get(CreateUserHandler, { strict: false }));
    expect(calls[0]!.message).toBe(create);
    await expect(queryBus.ask(new GetUserCount())).resolves.toBe(3);
    await expect(queryBus.ask(new GetUserName())).resolves.toBe('ann');
  });

  it('N2: a handler in a module that is not part of the application is not registered', async () => {
    @Module({ providers: [CreateUserHandler] })
    class NotImported {}
    void NotImported;

    app = await createApp({ imports: [CqrsLiteModule.forRoot()] });

    expect(app.get(CommandBus).has(CreateUser)).toBe(false);
    await expect(app.get(CommandBus).dispatch(new CreateUser('x'))).rejects.toBeInstanceOf(
      HandlerNotFoundError,
    );
  });

  it('N2: a factory provider under a string token is registered by the class of the instance it returns', async () => {
    const made: object[] = [];
    @Module({
      providers: [
        {
          provide: 'CREATE_USER_HANDLER',
          useFactory: () => {
            const handler = new CreateUserHandler();
            made.push(handler);
            return handler;
          },
        },
      ],
    })
    class FactoryModule {}

    app = await createApp({ imports: [CqrsLiteModule.forRoot(), FactoryModule] });
    const commandBus = app.get(CommandBus);

    expect(commandBus.registrations()).toEqual([
      expect.objectContaining({ messageType: CreateUser, handler: 'CreateUserHandler' }),
    ]);
    await commandBus.dispatch(new CreateUser('bob'));
    expect(made).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.instance).toBe(made[0]);
  });

  it('N2: an async factory provider with injected dependencies is registered by its instance class', async () => {
    @Module({
      providers: [
        { provide: 'USER_NAME', useValue: 'carol' },
        {
          provide: GetUserNameHandler,
          inject: ['USER_NAME'],
          useFactory: async (name: string) => {
            await Promise.resolve();
            return Object.assign(new GetUserNameHandler(), { userName: name });
          },
        },
      ],
    })
    class AsyncFactoryModule {}

    app = await createApp({ imports: [CqrsLiteModule.forRoot(), AsyncFactoryModule] });

    await expect(app.get(QueryBus).ask(new GetUserName())).resolves.toBe('carol');
  });

  it('N2: a value provider holding a handler instance is registered', async () => {
    const instance = Object.assign(new GetUserNameHandler(), { userName: 'dora' });
    @Module({ providers: [{ provide: 'NAME_HANDLER', useValue: instance }] })
    class ValueModule {}

    app = await createApp({ imports: [CqrsLiteModule.forRoot(), ValueModule] });

    await expect(app.get(QueryBus).ask(new GetUserName())).resolves.toBe('dora');
  });

  it('N2: a useExisting alias of a handler is not registered a second time', async () => {
    @Module({
      providers: [
        CreateUserHandler,
        { provide: 'CREATE_ALIAS', useExisting: CreateUserHandler },
        { provide: Symbol('second alias'), useExisting: CreateUserHandler },
      ],
      exports: ['CREATE_ALIAS'],
    })
    class AliasModule {}

    app = await createApp({ imports: [CqrsLiteModule.forRoot(), AliasModule] });
    const commandBus = app.get(CommandBus);

    expect(commandBus.registrations()).toHaveLength(1);
    await commandBus.dispatch(new CreateUser('eve'));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.instance).toBe(app.get('CREATE_ALIAS'));
  });

  it('N2: every handler is registered before any onApplicationBootstrap hook runs', async () => {
    const results: unknown[] = [];

    @Injectable()
    class Starter implements OnApplicationBootstrap {
      constructor(
        private readonly commandBus: CommandBus,
        private readonly queryBus: QueryBus,
      ) {}

      async onApplicationBootstrap() {
        results.push(this.commandBus.has(CreateUser), this.queryBus.has(GetUserCount));
        await this.commandBus.dispatch(new CreateUser('at-bootstrap'));
        results.push(await this.queryBus.ask(new GetUserCount()));
      }
    }

    // The module with the bootstrap hook comes first and has no handlers of its own; the handlers
    // live in modules listed after it, and CqrsLiteModule comes last.
    @Module({ providers: [Starter] })
    class StarterModule {}
    @Module({ providers: [CreateUserHandler] })
    class CommandsModule {}
    @Module({ providers: [GetUserCountHandler] })
    class QueriesModule {}

    app = await createApp({
      imports: [StarterModule, CommandsModule, QueriesModule, CqrsLiteModule.forRoot()],
    });

    expect(results).toEqual([true, true, 3]);
    expect(calls.map((c) => (c.message as CreateUser).name)).toEqual(['at-bootstrap']);
  });

  it('N2: registration is complete before the onApplicationBootstrap hooks of modules deeper than CqrsLiteModule', async () => {
    const results: unknown[] = [];

    // Nest runs bootstrap hooks of the deepest modules first: this one runs before any hook of a
    // non-global CqrsLiteModule imported by the root.
    @Injectable()
    class DeepStarter implements OnApplicationBootstrap {
      constructor(private readonly moduleRef: ModuleRef) {}

      async onApplicationBootstrap() {
        const commandBus = this.moduleRef.get(CommandBus, { strict: false });
        const queryBus = this.moduleRef.get(QueryBus, { strict: false });
        await commandBus.dispatch(new CreateUser('deep'));
        results.push(await queryBus.ask(new GetUserCount()));
      }
    }
    @Module({ providers: [DeepStarter, CreateUserHandler, GetUserCountHandler] })
    class Level3 {}
    @Module({ imports: [Level3] })
    class Level2 {}
    @Module({ imports: [Level2] })
    class Level1 {}

    app = await createApp({ imports: [Level1, CqrsLiteModule.forRoot({ global: false })] });

    expect(results).toEqual([3]);
    expect(calls.map((c) => (c.message as CreateUser).name)).toEqual(['deep']);
  });
});
