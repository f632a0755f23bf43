/** Commands: `dispatch()` resolves to void whatever the handler returns; handlers see the message type. */
import { expectTypeOf } from 'expect-type';
import {
  Command,
  CommandBus,
  command,
  defaultCommandBus,
  type CommandHandlerFn,
  type ICommandHandler,
  type MessageContext,
} from '../../lib/index.js';

class CreateUser extends Command {
  constructor(readonly email: string) {
    super();
  }
}

declare const bus: CommandBus;

expectTypeOf(bus.dispatch(new CreateUser('a@b.c'))).toEqualTypeOf<Promise<void>>();
expectTypeOf(bus.dispatch(new CreateUser('a@b.c'), { correlationId: 'c1' })).toEqualTypeOf<Promise<void>>();
expectTypeOf(bus.dispatchEnvelope({})).toEqualTypeOf<Promise<void>>();
// @ts-expect-error a string is not a command
void bus.dispatch('CreateUser');
// @ts-expect-error headers are strings
void bus.dispatch(new CreateUser('a@b.c'), { headers: { retries: 3 } });
// @ts-expect-error unknown dispatch option
void bus.dispatch(new CreateUser('a@b.c'), { correlation: 'c1' });

// The handler receives the registered class and the context.
bus.register(CreateUser, (cmd, context) => {
  expectTypeOf(cmd).toEqualTypeOf<CreateUser>();
  expectTypeOf(context).toEqualTypeOf<MessageContext>();
});
// A command handler function may return anything: dispatch() drops it.
bus.register(CreateUser, () => 42);
// @ts-expect-error the handler is typed by the registered class
bus.register(CreateUser, (cmd) => cmd.name);
// @ts-expect-error a handler object needs execute()
bus.register(CreateUser, { handle: () => undefined });
// register() returns the unregister function.
expectTypeOf(bus.register(CreateUser, () => undefined)).toEqualTypeOf<() => void>();

export class CreateUserHandler implements ICommandHandler<CreateUser> {
  execute(cmd: CreateUser, context: MessageContext): void {
    void cmd.email;
    void context.correlationId;
  }
}
export class WrongCommandHandler implements ICommandHandler<CreateUser> {
  // @ts-expect-error execute() takes the command class it handles
  execute(cmd: { userId: number }): void {
    void cmd;
  }
}

// command() returns the handler it is given, unchanged in type.
const handle = command(CreateUser)((cmd: CreateUser) => cmd.email.length);
expectTypeOf(handle).toEqualTypeOf<(cmd: CreateUser) => number>();
expectTypeOf(defaultCommandBus).toEqualTypeOf<CommandBus>();
expectTypeOf<CommandHandlerFn<CreateUser>>().parameters.toEqualTypeOf<[CreateUser, MessageContext]>();
