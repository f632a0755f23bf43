import { jest } from '@jest/globals';
import { CommandBus, QueryBus, type MessageContext } from '../../lib/core/index.js';

class Ping {}

describe('skipping the context nobody can see (SPEC §5 C3)', () => {
  it('C3: a handler declaring fewer than two parameters gets no context when nothing else could see one', async () => {
    const seen: unknown[] = [];
    const bus = new CommandBus();
    bus.register(Ping, function oneParameter(command: Ping) {
      // oxlint-disable-next-line prefer-rest-params
      seen.push(command, arguments.length > 1 ? arguments[1] : 'no second argument');
    });
    await bus.dispatch(new Ping());
    expect(seen[1]).toBeUndefined();
  });

  it('C3: decided by Function.length alone: a rest or default second parameter does not count', async () => {
    const bus = new QueryBus();
    class WhoAmI {}
    bus.register(WhoAmI, (...args: unknown[]) => args[1]);
    await expect(bus.ask(new WhoAmI())).resolves.toBeUndefined();
    const declared = new QueryBus();
    declared.register(WhoAmI, (query: WhoAmI, context: MessageContext) => context.kind);
    await expect(declared.ask(new WhoAmI())).resolves.toBe('query');
  });

  it('C3: a one-parameter handler still gets a context when dispatch options are given', async () => {
    const bus = new QueryBus();
    class WhoAmI {}
    bus.register(WhoAmI, (...args: unknown[]) => (args[1] as MessageContext).correlationId);
    await expect(bus.ask(new WhoAmI(), { correlationId: 'c-1' })).resolves.toBe('c-1');
  });

  it('still gives a context to handlers that declare it, even with no middleware and no options', async () => {
    const bus = new QueryBus();
    class WhoAmI {}
    bus.register(WhoAmI, (query, context) => context.messageName);
    await expect(bus.ask(new WhoAmI())).resolves.toBe('WhoAmI');
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
