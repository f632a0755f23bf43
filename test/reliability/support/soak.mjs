/**
 * Soak run for test/reliability/soak.spec.ts, on the built package. Run as
 * `node --expose-gc soak.mjs DISPATCHES [leak]`; prints one JSON line: the heap growth, after full
 * collections, of each configuration. With `leak`, a control run keeps every context it sees, to
 * show that the measurement notices a leak.
 */
import { CommandBus, InFlightTracker, QueryBus } from 'nestjs-cqrs-lite/core';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const dispatches = Number(process.argv[2]);
const leak = process.argv[3] === 'leak';
const BATCH = 100;

class Work {
  constructor(n) {
    this.n = n;
  }
}

function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const kept = [];
function chain() {
  return [
    (message, next, context) => {
      context.items.set('n', message.n);
      return next();
    },
    async (_message, next) => next(),
    (_message, next, context) => {
      if (leak) kept.push(context);
      return next();
    },
  ];
}

function makeBuses(propagateContext, tracked) {
  const inFlight = tracked ? new InFlightTracker() : undefined;
  const commands = new CommandBus({ middleware: chain(), propagateContext, inFlight });
  const queries = new QueryBus({ middleware: chain(), propagateContext, inFlight });
  commands.register(Work, async (work, context) => {
    if (context.items.get('n') !== work.n) throw new Error('cross-talk');
    // A follow-up query, as handlers do: with propagateContext it is caused by this context.
    await queries.ask(work);
  });
  queries.register(Work, (work, context) => {
    if (context.items.get('n') !== work.n) throw new Error('cross-talk');
    return work.n;
  });
  return { commands, inFlight };
}

async function run({ commands }, count) {
  const batch = Array.from({ length: BATCH });
  for (let i = 0; i < count; i += BATCH) {
    for (let j = 0; j < BATCH; j++) batch[j] = commands.dispatch(new Work(i + j));
    await Promise.all(batch);
  }
}

const configs = leak
  ? [{ name: 'leaking control', propagateContext: false, tracked: false }]
  : [
      { name: 'propagateContext off', propagateContext: false, tracked: false },
      { name: 'propagateContext on, tracked', propagateContext: true, tracked: true },
    ];
const results = [];
for (const config of configs) {
  const buses = makeBuses(config.propagateContext, config.tracked);
  await run(buses, 20_000); // warm-up: let the JIT settle before the first reading
  kept.length = 0;
  const before = heapAfterGc();
  const started = Date.now();
  await run(buses, dispatches);
  const after = heapAfterGc();
  results.push({
    ...config,
    growthBytes: after - before,
    ms: Date.now() - started,
    inFlight: buses.inFlight?.count ?? 0,
  });
}
console.log(JSON.stringify(results));
