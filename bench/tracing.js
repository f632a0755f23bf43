/**
 * What tracing costs per dispatch: CqrsLiteModule with `tracing: true` (one span per dispatch, its
 * attributes, the two metric instruments) against the same module with tracing off, and a direct
 * `await handler.execute(message)`. The process has the OpenTelemetry SDK set up as an application
 * would: an AsyncLocalStorage context manager, a tracer provider with a BatchSpanProcessor (its
 * exporter does nothing, so exporting costs nothing here) and a meter provider with a reader. Every
 * case runs in that process, so the off case pays for the context manager too: the figures are the
 * cost of our tracing in an application that already uses OpenTelemetry.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CommandBus, QueryBus } from 'nestjs-cqrs-lite';
import { GetDouble, GetDoubleHandler, Ping, PingHandler, createLiteApp } from './fixtures.js';
import { BATCH, compare, emit, median } from './harness.js';

/** Accepts every batch and drops it. */
const discard = {
  export: (_items, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
trace.setGlobalTracerProvider(tracerProvider);
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: discard, exportIntervalMillis: 1_000 })],
});
metrics.setGlobalMeterProvider(meterProvider);

const off = await createLiteApp([PingHandler, GetDoubleHandler]);
const on = await createLiteApp([PingHandler, GetDoubleHandler], { tracing: true });
const ping = new Ping(1);
const getDouble = new GetDouble(1);
const directCommand = new PingHandler();
const directQuery = new GetDoubleHandler();

const dispatching = (bus) => async () => {
  for (let i = 0; i < BATCH; i++) await bus.dispatch(ping);
};
const asking = (bus) => async () => {
  let result;
  for (let i = 0; i < BATCH; i++) result = await bus.ask(getDouble);
  if (result !== 2) throw new Error(`wrong result ${result}`);
};

const commands = await compare(
  {
    direct: async () => {
      for (let i = 0; i < BATCH; i++) await directCommand.execute(ping);
    },
    'tracing off': dispatching(off.get(CommandBus)),
    'tracing on': dispatching(on.get(CommandBus)),
  },
  { baseline: 'direct', label: 'tracing commands' },
);
const queries = await compare(
  {
    direct: async () => {
      let result;
      for (let i = 0; i < BATCH; i++) result = await directQuery.execute(getDouble);
      if (result !== 2) throw new Error(`wrong result ${result}`);
    },
    'tracing off': asking(off.get(QueryBus)),
    'tracing on': asking(on.get(QueryBus)),
  },
  { baseline: 'direct', label: 'tracing queries' },
);

/** On against off, round by round: nanoseconds added per dispatch and the ratio. */
function cost(cases) {
  const offRounds = cases['tracing off'].rounds;
  const onRounds = cases['tracing on'].rounds;
  return {
    addedNs: median(onRounds.map((t, i) => t - offRounds[i])),
    ratio: median(onRounds.map((t, i) => t / offRounds[i])),
  };
}

await on.close();
await off.close();
await tracerProvider.shutdown();
await meterProvider.shutdown();
emit({ commands, queries, cost: { commands: cost(commands), queries: cost(queries) } });
