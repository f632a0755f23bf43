import { CommandBus, QueryBus, Query } from '../../lib/core/index.js';

class Ping {}
class GetN extends Query<number> {}

it('smoke', async () => {
  const bus = new CommandBus();
  const calls: string[] = [];
  bus.use(async (m, next) => { calls.push('a'); await next(); calls.push('a2'); });
  bus.register(Ping, () => { calls.push('h'); });
  await bus.dispatch(new Ping());
  expect(calls).toEqual(['a', 'h', 'a2']);
  const q = new QueryBus();
  q.register(GetN, () => 42);
  const n: number = await q.ask(new GetN());
  expect(n).toBe(42);
});
