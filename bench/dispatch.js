/**
 * Dispatch cost, commands and queries: a direct `await handler.execute(message)` against
 * nestjs-cqrs-lite (standalone, through CqrsLiteModule, with middleware, with a context that is
 * read) and @nestjs/cqrs 12. All cases of one kind run interleaved in one Bench.
 */
import { CommandBus as NestCommandBus, QueryBus as NestQueryBus } from '@nestjs/cqrs';
import { CommandBus, QueryBus } from 'nestjs-cqrs-lite';
import {
  GetDouble,
  GetDoubleHandler,
  Ping,
  PingHandler,
  TracedGetDouble,
  TracedGetDoubleHandler,
  TracedPing,
  TracedPingHandler,
  createLiteApp,
  createNestCqrsApp,
  passThroughChain,
} from './fixtures.js';
import { BATCH, compare, emit } from './harness.js';

const liteApp = await createLiteApp([PingHandler, GetDoubleHandler]);
const nestApp = await createNestCqrsApp([PingHandler, GetDoubleHandler]);

function commandBus(middlewareCount, handler = new PingHandler(), type = Ping) {
  const bus = new CommandBus({ middleware: passThroughChain(middlewareCount) });
  bus.register(type, handler);
  return bus;
}

function queryBus(middlewareCount, handler = new GetDoubleHandler(), type = GetDouble) {
  const bus = new QueryBus({ middleware: passThroughChain(middlewareCount) });
  bus.register(type, handler);
  return bus;
}

/** A task that dispatches BATCH commands one after another. */
function dispatching(bus, command) {
  return async () => {
    for (let i = 0; i < BATCH; i++) await bus.dispatch(command);
  };
}

/** A task that asks BATCH queries one after another and checks the last result. */
function asking(bus, query) {
  return async () => {
    let result;
    for (let i = 0; i < BATCH; i++) result = await bus.ask(query);
    if (result !== 2) throw new Error(`wrong result ${result}`);
  };
}

const directCommand = new PingHandler();
const ping = new Ping(1);
const tracedPing = new TracedPing(1);
const commands = await compare(
  {
    direct: async () => {
      for (let i = 0; i < BATCH; i++) await directCommand.execute(ping);
    },
    'lite standalone': dispatching(commandBus(0), ping),
    'lite module (forRoot defaults)': dispatching(liteApp.get(CommandBus), ping),
    '@nestjs/cqrs CommandBus.execute': async () => {
      const bus = nestApp.get(NestCommandBus);
      for (let i = 0; i < BATCH; i++) await bus.execute(ping);
    },
    'lite + 1 middleware': dispatching(commandBus(1), ping),
    'lite + 3 middleware': dispatching(commandBus(3), ping),
    'lite + 10 middleware': dispatching(commandBus(10), ping),
    'lite, context read (id, correlationId)': dispatching(
      commandBus(0, new TracedPingHandler(), TracedPing),
      tracedPing,
    ),
  },
  { baseline: 'direct', label: 'commands' },
);

const directQuery = new GetDoubleHandler();
const getDouble = new GetDouble(1);
const tracedGetDouble = new TracedGetDouble(1);
const queries = await compare(
  {
    direct: async () => {
      let result;
      for (let i = 0; i < BATCH; i++) result = await directQuery.execute(getDouble);
      if (result !== 2) throw new Error(`wrong result ${result}`);
    },
    'lite standalone': asking(queryBus(0), getDouble),
    'lite module (forRoot defaults)': asking(liteApp.get(QueryBus), getDouble),
    '@nestjs/cqrs QueryBus.execute': async () => {
      const bus = nestApp.get(NestQueryBus);
      let result;
      for (let i = 0; i < BATCH; i++) result = await bus.execute(getDouble);
      if (result !== 2) throw new Error(`wrong result ${result}`);
    },
    'lite + 1 middleware': asking(queryBus(1), getDouble),
    'lite + 3 middleware': asking(queryBus(3), getDouble),
    'lite + 10 middleware': asking(queryBus(10), getDouble),
    'lite, context read (id, correlationId)': asking(
      queryBus(0, new TracedGetDoubleHandler(), TracedGetDouble),
      tracedGetDouble,
    ),
  },
  { baseline: 'direct', label: 'queries' },
);

await liteApp.close();
await nestApp.close();
emit({ commands, queries });
