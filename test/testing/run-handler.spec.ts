import { IsEmail } from 'class-validator';
import {
  Command,
  InvalidHandlerError,
  InvalidMessageError,
  Message,
  MessageValidationError,
  Query,
  type CqrsMiddleware,
  type ICommandHandler,
  type IQueryHandler,
  type MessageContext,
  type Next,
} from '../../lib/core/index.js';
import { validationMiddleware } from '../../lib/validation/validation.middleware.js';
import { createMessageContext, runHandler } from '../../lib/testing/index.js';

class CreateUser extends Command {
  @IsEmail() email: string;
  constructor(email: string) {
    super();
    this.email = email;
  }
}
class GetGreeting extends Query<string> {
  constructor(readonly name: string) {
    super();
  }
}
class PlainMessage {}

class GetGreetingHandler implements IQueryHandler<GetGreeting> {
  constructor(private readonly greeting: string) {}
  execute(query: GetGreeting, context: MessageContext): string {
    return `${this.greeting} ${query.name} (${context.kind}, ${context.headers['x-user-id'] ?? 'anonymous'})`;
  }
}

/** Records the order in which the chain runs. */
class Tracing implements CqrsMiddleware {
  constructor(
    private readonly name: string,
    private readonly trace: string[],
  ) {}
  async handle(_message: object, next: Next): Promise<unknown> {
    this.trace.push(`${this.name} in`);
    const result = await next();
    this.trace.push(`${this.name} out`);
    return result;
  }
}

describe('runHandler()', () => {
  it('resolves to a query handler’s result, run through the middleware in order with the dispatch options', async () => {
    const trace: string[] = [];
    const result = await runHandler(new GetGreetingHandler('hello'), new GetGreeting('Ann'), {
      middleware: [new Tracing('outer', trace), new Tracing('inner', trace)],
      headers: { 'x-user-id': 'u1' },
    });
    expect(result).toBe('hello Ann (query, u1)');
    expect(trace).toEqual(['outer in', 'inner in', 'inner out', 'outer out']);
  });

  it('returns what the middleware makes of the result (a query: the outermost middleware’s value)', async () => {
    const result = await runHandler((q: GetGreeting) => q.name, new GetGreeting('Ann'), {
      middleware: [async (_m, next) => `<${String(await next())}>`],
    });
    expect(result).toBe('<Ann>');
  });

  it('runs a command handler on a command bus: context.kind is command and it resolves to undefined', async () => {
    const seen: MessageContext[] = [];
    const handler: ICommandHandler<CreateUser> = { execute: (_c, context) => void seen.push(context) };
    await expect(
      runHandler(handler, new CreateUser('ann@example.com'), { correlationId: 'req-1' }),
    ).resolves.toBeUndefined();
    expect(seen.map((c) => [c.kind, c.messageName, c.correlationId])).toEqual([
      ['command', 'CreateUser', 'req-1'],
    ]);
  });

  it('kind overrides the bus for a class that extends neither Command nor Query', async () => {
    await expect(runHandler(() => 42, new PlainMessage(), { kind: 'query' })).resolves.toBe(42);
    await expect(runHandler(() => 42, new PlainMessage())).resolves.toBeUndefined();
  });

  it('with validationMiddleware(), an invalid message is rejected and the handler does not run', async () => {
    let ran = false;
    const run = runHandler(() => void (ran = true), new CreateUser('not-an-email'), {
      middleware: [validationMiddleware()],
    });
    await expect(run).rejects.toBeInstanceOf(MessageValidationError);
    expect(ran).toBe(false);
  });

  it('rejects with the handler’s own error, unchanged', async () => {
    const failure = new Error('boom');
    const run = runHandler(() => {
      throw failure;
    }, new GetGreeting('x'));
    await expect(run).rejects.toBe(failure);
  });

  it('never throws synchronously: a bad message or handler is a rejection', async () => {
    let run: Promise<unknown> | undefined;
    expect(() => (run = runHandler(() => 1, { plain: true }))).not.toThrow();
    await expect(run).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(runHandler({} as never, new GetGreeting('x'))).rejects.toBeInstanceOf(InvalidHandlerError);
  });
});

describe('createMessageContext()', () => {
  @Message({ name: 'users.create' })
  class NamedCommand extends Command {}

  it('builds the context a bus would give, for calling execute() directly', () => {
    const before = Date.now();
    const context = createMessageContext(new GetGreeting('Ann'));
    expect(context).toMatchObject({
      kind: 'query',
      messageType: GetGreeting,
      messageName: 'GetGreeting',
      causationId: undefined,
      headers: {},
    });
    expect(context.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.correlationId).toBe(context.id);
    expect(context.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(context.items).toBeInstanceOf(Map);
    expect(Object.isFrozen(context.headers)).toBe(true);
    expect(new GetGreetingHandler('hi').execute(new GetGreeting('Ann'), context)).toBe(
      'hi Ann (query, anonymous)',
    );
  });

  it('uses the @Message name, command for other classes, and takes overrides', () => {
    const headers = { 'x-user-id': 'u1' };
    const context = createMessageContext(new NamedCommand(), {
      correlationId: 'c1',
      causationId: 'p1',
      headers,
    });
    expect(context).toMatchObject({
      kind: 'command',
      messageName: 'users.create',
      correlationId: 'c1',
      causationId: 'p1',
      headers: { 'x-user-id': 'u1' },
    });
    expect(context.headers).not.toBe(headers);
    expect(createMessageContext(new PlainMessage()).kind).toBe('command');
  });

  it('refuses a value that is not a class instance', () => {
    expect(() => createMessageContext(Object.create(null))).toThrow(TypeError);
  });
});
