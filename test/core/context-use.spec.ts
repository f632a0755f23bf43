import { jest } from '@jest/globals';
import { mayReadContext } from '../../lib/core/context-use.js';
import { CommandBus, QueryBus, type MessageContext } from '../../lib/core/index.js';

class Ping {}

describe('skipping the context nobody can see', () => {
  it('knows which handler functions may read their second argument', () => {
    const cannot: Function[] = [
      () => undefined,
      (c: Ping) => c,
      async (c: Ping) => c,
      function named(c: Ping) {
        return c;
      },
      {
        execute(c: Ping) {
          return c;
        },
      }.execute,
      {
        async execute(c: Ping) {
          return c;
        },
      }.execute,
    ];
    // oxlint-disable-next-line no-unused-vars
    const may: Function[] = [
      (c: Ping, context: MessageContext) => context,
      (...args: unknown[]) => args,
      (c: Ping, context?: MessageContext) => context,
      (c: Ping, { id }: MessageContext = {} as MessageContext) => id,
      function usesArguments(c: Ping) {
        // eslint-disable-next-line prefer-rest-params
        return [c, arguments[1]];
      },
      Math.max,
      ((c: Ping) => c).bind(null),
    ];
    for (const fn of cannot) expect(mayReadContext(fn)).toBe(false);
    for (const fn of may) expect(mayReadContext(fn)).toBe(true);
  });

  it('still gives a context to handlers that declare it, even with no middleware and no options', async () => {
    const bus = new QueryBus();
    class WhoAmI {}
    bus.register(WhoAmI, (query, context) => context.messageName);
    await expect(bus.ask(new WhoAmI())).resolves.toBe('WhoAmI');
    const rest = new QueryBus();
    rest.register(WhoAmI, (...args: unknown[]) => (args[1] as MessageContext).kind);
    await expect(rest.ask(new WhoAmI())).resolves.toBe('query');
  });

  it('gives a context again when a handler object’s execute is replaced after registration (a spy)', async () => {
    const handler = { execute: (command: Ping) => void command };
    const bus = new CommandBus();
    bus.register(Ping, handler);
    const spy = jest.spyOn(handler, 'execute');
    await bus.dispatch(new Ping());
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.calls[0] as unknown[])[1]).toMatchObject({ kind: 'command', messageType: Ping });
  });

  it('gives a context when middleware is added later, and when dispatch options are passed', async () => {
    const bus = new CommandBus();
    const contexts: unknown[] = [];
    bus.register(Ping, { execute: (command: Ping) => void command });
    bus.use((message, next, context) => {
      contexts.push(context);
      return next();
    });
    await bus.dispatch(new Ping());
    expect(contexts[0]).toMatchObject({ messageType: Ping });
  });
});
