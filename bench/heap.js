/**
 * Heap growth over 1,000,000 dispatches through three pass-through middleware. Run with
 * `node --expose-gc`: heapUsed is read after full collections before and after the dispatches.
 */
import { CommandBus } from 'nestjs-cqrs-lite';
import { Ping, PingHandler, passThroughChain } from './fixtures.js';
import { emit, median, progress } from './harness.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const DISPATCHES = 1_000_000;
const ROUNDS = 3;

function collect() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const bus = new CommandBus({ middleware: passThroughChain(3) });
bus.register(Ping, new PingHandler());
const ping = new Ping(1);
// Warm up: let the JIT compile the path before the first reading.
for (let i = 0; i < 20_000; i++) await bus.dispatch(ping);

const growth = [];
for (let round = 0; round < ROUNDS; round++) {
  const before = collect();
  for (let i = 0; i < DISPATCHES; i++) await bus.dispatch(ping);
  const after = collect();
  growth.push(after - before);
  progress(`heap round ${round + 1}/${ROUNDS}: ${after - before} bytes`);
}
emit({ dispatches: DISPATCHES, middleware: 3, growthBytes: growth, medianGrowthBytes: median(growth) });
