import { jest } from '@jest/globals';
import { BusShutDownError, CommandBus, InFlightTracker, QueryBus } from '../../lib/core/index.js';

/* The core of graceful shutdown, without Nest: what a standalone user gets with `inFlight`. */

class Work {}
const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

afterEach(() => {
  jest.useRealTimers();
});

describe('InFlightTracker', () => {
  it('counts dispatches of every bus sharing it until they settle, sync or async, resolved or rejected', async () => {
    const inFlight = new InFlightTracker();
    const commands = new CommandBus({ inFlight });
    const queries = new QueryBus({ inFlight });
    const gates = [deferred(), deferred()];
    let call = 0;
    commands.register(Work, () => gates[call++]!.promise);
    queries.register(Work, () => 'sync');

    const first = commands.dispatch(new Work());
    const second = commands.dispatch(new Work());
    expect(inFlight.count).toBe(2);
    await expect(queries.ask(new Work())).resolves.toBe('sync');
    expect(inFlight.count).toBe(2);
    gates[0]!.resolve();
    await first;
    expect(inFlight.count).toBe(1);
    const failure = new Error('failed');
    gates[1]!.reject(failure);
    await expect(second).rejects.toBe(failure);
    expect(inFlight.count).toBe(0);
  });

  it('a bus without a tracker is not affected by shutting another bus down', async () => {
    const inFlight = new InFlightTracker();
    const tracked = new CommandBus({ inFlight });
    const plain = new CommandBus();
    tracked.register(Work, () => undefined);
    plain.register(Work, () => undefined);
    await expect(inFlight.shutdown()).resolves.toBe(0);
    await expect(tracked.dispatch(new Work())).rejects.toBeInstanceOf(BusShutDownError);
    await expect(plain.dispatch(new Work())).resolves.toBeUndefined();
  });

  it('shutdown() waits until nothing runs, accepting follow-ups meanwhile, then closes both buses at once', async () => {
    const inFlight = new InFlightTracker();
    const commands = new CommandBus({ inFlight });
    const queries = new QueryBus({ inFlight });
    const gate = deferred();
    const seen: string[] = [];
    commands.register(Work, async () => {
      await gate.promise;
      // A query asked after shutdown() began, by work that was in flight: still served.
      seen.push(String(await queries.ask(new Work())));
    });
    queries.register(Work, () => 'answer');

    const running = commands.dispatch(new Work());
    const shutdown = inFlight.shutdown(5_000);
    expect(inFlight.closed).toBe(false);
    expect(inFlight.shutdown(5_000)).toBe(shutdown);
    gate.resolve();
    await expect(shutdown).resolves.toBe(0);
    await running;
    expect(seen).toEqual(['answer']);
    expect(inFlight.closed).toBe(true);
    await expect(queries.ask(new Work())).rejects.toBeInstanceOf(BusShutDownError);
    await expect(commands.dispatchEnvelope({})).rejects.toBeInstanceOf(BusShutDownError);
  });

  it('shutdown() gives up after 10 s by default, resolving to the number still running', async () => {
    jest.useFakeTimers();
    const inFlight = new InFlightTracker();
    const commands = new CommandBus({ inFlight });
    commands.register(Work, () => new Promise(() => undefined));
    void commands.dispatch(new Work());
    let result: number | undefined;
    void inFlight.shutdown().then((n) => (result = n));
    await jest.advanceTimersByTimeAsync(9_999);
    expect(result).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(result).toBe(1);
    expect(inFlight.closed).toBe(true);
  });

  it('a dispatch that fails before its handler (no handler, invalid message) is not left counted', async () => {
    const inFlight = new InFlightTracker();
    const commands = new CommandBus({ inFlight });
    await expect(commands.dispatch(new Work())).rejects.toThrow();
    await expect(commands.dispatch(null as never)).rejects.toThrow();
    await expect(commands.dispatchEnvelope('nonsense')).rejects.toThrow();
    expect(inFlight.count).toBe(0);
  });
});
