/**
 * `propagateContext: true`. It runs in a process of its own: on Node 20 the first
 * AsyncLocalStorage.run() installs promise hooks for the whole process, which would slow down
 * every other case measured after it. Here the hooks are on for all cases, the direct call
 * included, so the ratios show what the bus adds on top of the process-wide tax.
 */
import { CommandBus, QueryBus } from 'nestjs-cqrs-lite';
import { GetDouble, GetDoubleHandler, Ping, PingHandler } from './fixtures.js';
import { BATCH, compare, emit } from './harness.js';

function buses(propagateContext) {
  const commandBus = new CommandBus({ propagateContext });
  commandBus.register(Ping, new PingHandler());
  const queryBus = new QueryBus({ propagateContext });
  queryBus.register(GetDouble, new GetDoubleHandler());
  return { commandBus, queryBus };
}

const plain = buses(false);
const propagating = buses(true);
const ping = new Ping(1);
const getDouble = new GetDouble(1);
// Install the hooks before anything is measured.
await propagating.commandBus.dispatch(ping);

const directCommand = new PingHandler();
const commands = await compare(
  {
    direct: async () => {
      for (let i = 0; i < BATCH; i++) await directCommand.execute(ping);
    },
    'lite standalone': async () => {
      for (let i = 0; i < BATCH; i++) await plain.commandBus.dispatch(ping);
    },
    'lite, propagateContext: true': async () => {
      for (let i = 0; i < BATCH; i++) await propagating.commandBus.dispatch(ping);
    },
  },
  { baseline: 'direct', label: 'propagate commands' },
);

const directQuery = new GetDoubleHandler();
const queries = await compare(
  {
    direct: async () => {
      for (let i = 0; i < BATCH; i++) await directQuery.execute(getDouble);
    },
    'lite standalone': async () => {
      for (let i = 0; i < BATCH; i++) await plain.queryBus.ask(getDouble);
    },
    'lite, propagateContext: true': async () => {
      for (let i = 0; i < BATCH; i++) await propagating.queryBus.ask(getDouble);
    },
  },
  { baseline: 'direct', label: 'propagate queries' },
);

emit({ commands, queries });
