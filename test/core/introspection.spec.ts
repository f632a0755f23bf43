import {
  CommandBus,
  QueryBus,
  command,
  defaultCommandBus,
  defaultQueryBus,
  query,
  type CqrsMiddleware,
  type Next,
} from '../../lib/core/index.js';

describe('default buses and introspection (SPEC §7)', () => {
  afterEach(() => {
    defaultCommandBus.clear();
    defaultQueryBus.clear();
  });

  it('command() registers on the default command bus and returns the handler unchanged', async () => {
    class CreateUser {
      constructor(readonly id: string) {}
    }
    const created: string[] = [];
    const fn = (c: CreateUser) => void created.push(c.id);
    const handleCreate = command(CreateUser)(fn);
    expect(handleCreate).toBe(fn);
    await defaultCommandBus.dispatch(new CreateUser('u1'));
    expect(created).toEqual(['u1']);
  });

  it('query() registers on the default query bus, or on the bus given', async () => {
    class GetAnswer {}
    const handler = { execute: () => 42 };
    expect(query(GetAnswer)(handler)).toBe(handler);
    await expect(defaultQueryBus.ask(new GetAnswer())).resolves.toBe(42);
    const own = new QueryBus();
    query(GetAnswer, own)(() => 43);
    await expect(own.ask(new GetAnswer())).resolves.toBe(43);
  });

  it('registrations() names the type, handler and the whole middleware chain in execution order', () => {
    class Audit implements CqrsMiddleware {
      handle(message: object, next: Next) {
        return next();
      }
    }
    function logging(message: object, next: Next) {
      return next();
    }
    class CreateUser {}
    class DeleteUser {}
    class CreateUserHandler {
      execute() {}
    }
    const bus = new CommandBus({ middleware: [logging] });
    bus.register(CreateUser, new CreateUserHandler(), { middleware: [new Audit(), (m, next) => next()] });
    bus.register(DeleteUser, function deleteUser() {});
    bus.use(new Audit());
    expect(bus.registrations()).toEqual([
      {
        messageType: CreateUser,
        messageName: 'CreateUser',
        handler: 'CreateUserHandler',
        middleware: ['logging', 'Audit', 'Audit', 'anonymous'],
      },
      {
        messageType: DeleteUser,
        messageName: 'DeleteUser',
        handler: 'deleteUser',
        middleware: ['logging', 'Audit'],
      },
    ]);
  });
});
