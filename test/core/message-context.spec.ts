import { CommandBus, Query, QueryBus, type MessageContext } from '../../lib/core/index.js';

class Ping {}
class Lookup extends Query<MessageContext> {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function contextOf(bus: QueryBus, options?: Parameters<QueryBus['ask']>[1]): Promise<MessageContext> {
  return bus.ask(new Lookup(), options);
}

describe('message context (SPEC §5)', () => {
  const bus = new QueryBus();
  bus.register(Lookup, (q, context) => context);

  it('describes the dispatch: kind, messageType, messageName', async () => {
    const context = await contextOf(bus);
    expect(context.kind).toBe('query');
    expect(context.messageType).toBe(Lookup);
    expect(context.messageName).toBe('Lookup');
    const commands = new CommandBus();
    let kind: string | undefined;
    commands.register(Ping, (c, ctx) => void (kind = ctx.kind));
    await commands.dispatch(new Ping());
    expect(kind).toBe('command');
  });

  it('has a unique UUID id per dispatch, stable across reads', async () => {
    const a = await contextOf(bus);
    const b = await contextOf(bus);
    expect(a.id).toMatch(UUID);
    expect(a.id).toBe(a.id);
    expect(a.id).not.toBe(b.id);
  });

  it('correlationId defaults to the id, then to causedBy.correlationId, and options.correlationId wins', async () => {
    const root = await contextOf(bus);
    expect(root.correlationId).toBe(root.id);
    const child = await contextOf(bus, { causedBy: root });
    expect(child.correlationId).toBe(root.correlationId);
    expect(child.causationId).toBe(root.id);
    const grandchild = await contextOf(bus, { causedBy: child });
    expect(grandchild.correlationId).toBe(root.id);
    expect(grandchild.causationId).toBe(child.id);
    const explicit = await contextOf(bus, { causedBy: root, correlationId: 'req-42' });
    expect(explicit.correlationId).toBe('req-42');
    expect(explicit.causationId).toBe(root.id);
    expect(root.causationId).toBeUndefined();
  });

  it('timestamp is when dispatch/ask was called, not when it was first read', async () => {
    const slow = new QueryBus();
    slow.register(Lookup, async (q, context) => {
      await new Promise((r) => setTimeout(r, 30));
      return context;
    });
    const before = Date.now();
    const context = await slow.ask(new Lookup());
    const after = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(context.timestamp).toBeInstanceOf(Date);
    expect(context.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(context.timestamp.getTime()).toBeLessThan(after - 20);
  });

  it('headers are a frozen copy of options.headers, {} when none', async () => {
    const headers = { 'x-user': 'ann' };
    const context = await contextOf(bus, { headers });
    headers['x-user'] = 'changed later';
    expect(context.headers).toEqual({ 'x-user': 'ann' });
    expect(Object.isFrozen(context.headers)).toBe(true);
    const none = await contextOf(bus);
    expect(none.headers).toEqual({});
    expect(Object.isFrozen(none.headers)).toBe(true);
  });

  it('items is a per-dispatch Map', async () => {
    const a = await contextOf(bus);
    const b = await contextOf(bus);
    a.items.set('k', 1);
    expect(a.items).toBeInstanceOf(Map);
    expect(a.items.get('k')).toBe(1);
    expect(b.items.has('k')).toBe(false);
  });

  it('C2: with propagateContext a dispatch made while a handler runs is caused by that handler', async () => {
    const commands = new CommandBus({ propagateContext: true });
    const queries = new QueryBus({ propagateContext: true });
    queries.register(Lookup, async (q, context) => {
      await Promise.resolve();
      return context;
    });
    let parent: MessageContext | undefined;
    let child: MessageContext | undefined;
    commands.register(Ping, async (c, context) => {
      parent = context;
      await new Promise((r) => setTimeout(r, 1));
      child = await queries.ask(new Lookup());
    });
    await commands.dispatch(new Ping(), { correlationId: 'corr-1' });
    expect(child?.causationId).toBe(parent?.id);
    expect(child?.correlationId).toBe('corr-1');
    // Outside any handler nothing is inherited.
    const outside = await queries.ask(new Lookup());
    expect(outside.causationId).toBeUndefined();
  });

  it('C2: an explicit causedBy wins over the propagated one', async () => {
    const queries = new QueryBus({ propagateContext: true });
    queries.register(Lookup, (q, context) => context);
    const explicitCause = await queries.ask(new Lookup());
    const commands = new CommandBus({ propagateContext: true });
    let child: MessageContext | undefined;
    commands.register(Ping, async () => {
      child = await queries.ask(new Lookup(), { causedBy: explicitCause });
    });
    await commands.dispatch(new Ping());
    expect(child?.causationId).toBe(explicitCause.id);
  });

  it('C2: propagation is off by default', async () => {
    const queries = new QueryBus();
    queries.register(Lookup, (q, context) => context);
    const commands = new CommandBus();
    let child: MessageContext | undefined;
    commands.register(Ping, async () => {
      child = await queries.ask(new Lookup());
    });
    await commands.dispatch(new Ping());
    expect(child?.causationId).toBeUndefined();
  });

  it('C2: concurrent handlers each propagate their own context', async () => {
    const queries = new QueryBus({ propagateContext: true });
    queries.register(Lookup, async (q, context) => {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      return context;
    });
    const commands = new CommandBus({ propagateContext: true });
    const pairs: Array<[string, string | undefined]> = [];
    class Numbered {
      constructor(readonly n: number) {}
    }
    commands.register(Numbered, async (c, context) => {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      const child = await queries.ask(new Lookup());
      pairs.push([context.id, child.causationId]);
    });
    await Promise.all(Array.from({ length: 50 }, (_, n) => commands.dispatch(new Numbered(n))));
    expect(pairs).toHaveLength(50);
    for (const [parentId, causationId] of pairs) expect(causationId).toBe(parentId);
  });
});
