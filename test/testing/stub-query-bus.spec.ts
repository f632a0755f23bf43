import { of } from 'rxjs';
import { HandlerNotFoundError, Query, QueryBus } from '../../lib/core/index.js';
import { StubQueryBus } from '../../lib/testing/index.js';

interface User {
  id: string;
  name: string;
}
class GetUser extends Query<User | undefined> {
  constructor(readonly id: string) {
    super();
  }
}
class CountUsers extends Query<number> {}
class LegacyQuery {}

describe('StubQueryBus', () => {
  it('is a QueryBus, so it can stand in for the real one in DI', () => {
    expect(new StubQueryBus()).toBeInstanceOf(QueryBus);
  });

  it('answers a query from its stub, which receives the query', async () => {
    const bus = new StubQueryBus().stub(GetUser, (q) => ({ id: q.id, name: `user ${q.id}` }));
    await expect(bus.ask(new GetUser('u1'))).resolves.toEqual({ id: 'u1', name: 'user u1' });
  });

  it('stubResult() answers every query of the class with one value', async () => {
    const bus = new StubQueryBus().stubResult(CountUsers, 3).stubResult(LegacyQuery, 'anything');
    await expect(bus.ask(new CountUsers())).resolves.toBe(3);
    await expect(bus.ask(new CountUsers())).resolves.toBe(3);
    await expect(bus.ask(new LegacyQuery())).resolves.toBe('anything');
  });

  it('accepts promises and Observables, like a handler', async () => {
    const bus = new StubQueryBus()
      .stub(CountUsers, async () => 4)
      .stub(GetUser, () => of(undefined, { id: 'x', name: 'last' }));
    await expect(bus.ask(new CountUsers())).resolves.toBe(4);
    await expect(bus.ask(new GetUser('x'))).resolves.toEqual({ id: 'x', name: 'last' });
  });

  it('a later stub of the same class replaces the earlier one', async () => {
    const bus = new StubQueryBus().stubResult(CountUsers, 1);
    bus.stubResult(CountUsers, 2);
    await expect(bus.ask(new CountUsers())).resolves.toBe(2);
  });

  it('rejects a query with no stub with HandlerNotFoundError, so a missing stub shows up', async () => {
    const bus = new StubQueryBus().stubResult(CountUsers, 1);
    await expect(bus.ask(new GetUser('u1'))).rejects.toBeInstanceOf(HandlerNotFoundError);
  });

  it('a stub that throws makes ask() reject with that error', async () => {
    const failure = new Error('database down');
    const bus = new StubQueryBus().stub(CountUsers, () => {
      throw failure;
    });
    await expect(bus.ask(new CountUsers())).rejects.toBe(failure);
  });

  it('records every query asked, with its options, answered or not', async () => {
    const bus = new StubQueryBus().stubResult(CountUsers, 1);
    await bus.ask(new CountUsers(), { correlationId: 'req-1' });
    await bus.ask(new GetUser('u1')).catch(() => undefined);

    expect(bus.asked).toEqual([new CountUsers(), new GetUser('u1')]);
    expect(bus.askedOf(GetUser).map((q) => q.id)).toEqual(['u1']);
    expect(bus.records[0]).toEqual({ message: new CountUsers(), options: { correlationId: 'req-1' } });
  });

  it('runs stubs through the bus middleware, with the context of the ask', async () => {
    const bus = new StubQueryBus({ middleware: [async (_m, next) => ((await next()) as number) * 10] });
    bus.stub(CountUsers, (_q, context) => Number(context.headers['x-count']));
    await expect(bus.ask(new CountUsers(), { headers: { 'x-count': '4' } })).resolves.toBe(40);
  });

  it('reset() forgets what was asked and keeps the stubs; clear() removes the stubs', async () => {
    const bus = new StubQueryBus().stubResult(CountUsers, 1);
    await bus.ask(new CountUsers());
    bus.reset();
    expect(bus.asked).toEqual([]);
    await expect(bus.ask(new CountUsers())).resolves.toBe(1);

    bus.clear();
    await expect(bus.ask(new CountUsers())).rejects.toBeInstanceOf(HandlerNotFoundError);
    // A cleared class can be stubbed again.
    await expect(bus.stubResult(CountUsers, 5).ask(new CountUsers())).resolves.toBe(5);
  });
});
