import {
  Command,
  CommandBus,
  HandlerNotFoundError,
  InvalidMessageError,
  type MessageContext,
} from '../../lib/core/index.js';
import { RecordingCommandBus } from '../../lib/testing/index.js';

class CreateUser extends Command {
  constructor(readonly userId: string) {
    super();
  }
}
class AdminCreateUser extends CreateUser {}
class DeleteUser extends Command {
  constructor(readonly userId: string) {
    super();
  }
}

describe('RecordingCommandBus', () => {
  it('is a CommandBus, so it can stand in for the real one in DI', () => {
    expect(new RecordingCommandBus()).toBeInstanceOf(CommandBus);
  });

  it('records every dispatched command in order and resolves without a handler', async () => {
    const bus = new RecordingCommandBus();
    const first = new CreateUser('u1');

    await expect(bus.dispatch(first)).resolves.toBeUndefined();
    await bus.dispatch(new DeleteUser('u1'));

    expect(bus.dispatched).toEqual([new CreateUser('u1'), new DeleteUser('u1')]);
    expect(bus.dispatched[0]).toBe(first);
  });

  it('records synchronously, before dispatch() returns', () => {
    const bus = new RecordingCommandBus();
    void bus.dispatch(new CreateUser('u1'));
    expect(bus.dispatched).toHaveLength(1);
  });

  it('dispatchedOf() filters by exact class, as the buses route', async () => {
    const bus = new RecordingCommandBus();
    await bus.dispatch(new CreateUser('u1'));
    await bus.dispatch(new AdminCreateUser('u2'));
    await bus.dispatch(new DeleteUser('u3'));

    const created: CreateUser[] = bus.dispatchedOf(CreateUser);
    expect(created.map((c) => c.userId)).toEqual(['u1']);
    expect(bus.dispatchedOf(AdminCreateUser).map((c) => c.userId)).toEqual(['u2']);
  });

  it('records the dispatch options with each command', async () => {
    const bus = new RecordingCommandBus();
    await bus.dispatch(new CreateUser('u1'), { correlationId: 'req-1', headers: { 'x-user-id': 'ann' } });
    await bus.dispatch(new CreateUser('u2'));

    expect(bus.records).toEqual([
      { message: new CreateUser('u1'), options: { correlationId: 'req-1', headers: { 'x-user-id': 'ann' } } },
      { message: new CreateUser('u2'), options: undefined },
    ]);
  });

  it('runs a registered handler through the bus middleware, e.g. to make a command fail', async () => {
    const failure = new Error('email taken');
    const seen: string[] = [];
    const bus = new RecordingCommandBus({
      middleware: [(_message, next, context) => (seen.push(context.messageName), next())],
    });
    bus.register(CreateUser, () => {
      throw failure;
    });

    await expect(bus.dispatch(new CreateUser('u1'))).rejects.toBe(failure);
    await bus.dispatch(new DeleteUser('u1')); // no handler: recorded only, middleware not run
    expect(seen).toEqual(['CreateUser']);
    expect(bus.dispatched).toHaveLength(2);
  });

  it('passes the dispatch options to a registered handler', async () => {
    const bus = new RecordingCommandBus();
    let context: MessageContext | undefined;
    bus.register(CreateUser, (_command, ctx) => void (context = ctx));
    await bus.dispatch(new CreateUser('u1'), { correlationId: 'req-9' });
    expect(context?.correlationId).toBe('req-9');
  });

  it('rejects what is not a class instance with InvalidMessageError, as a real bus, without recording it', async () => {
    const bus = new RecordingCommandBus();
    await expect(bus.dispatch(null as never)).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(bus.dispatch({ userId: 'u1' })).rejects.toBeInstanceOf(InvalidMessageError);
    expect(bus.dispatched).toEqual([]);
  });

  it('reset() forgets the records and keeps the handlers; clear() removes the handlers', async () => {
    const bus = new RecordingCommandBus();
    const handled: string[] = [];
    bus.register(CreateUser, (c) => void handled.push(c.userId));
    await bus.dispatch(new CreateUser('u1'));

    bus.reset();
    expect(bus.dispatched).toEqual([]);
    await bus.dispatch(new CreateUser('u2'));
    expect(handled).toEqual(['u1', 'u2']);

    bus.clear();
    await bus.dispatch(new CreateUser('u3'));
    expect(handled).toEqual(['u1', 'u2']);
    expect(bus.dispatched).toHaveLength(2);
  });

  it('the control: a plain CommandBus rejects a command with no handler', async () => {
    // The control for "resolves without a handler": the behaviour is the double's, not the core's.
    await expect(new CommandBus().dispatch(new CreateUser('u1'))).rejects.toBeInstanceOf(
      HandlerNotFoundError,
    );
  });
});
