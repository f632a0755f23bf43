/**
 * Application bootstrap: NestFactory.createApplicationContext + init + close with N handlers
 * (half command, half query handlers, generated as classes), CqrsLiteModule against
 * @nestjs/cqrs's CqrsModule, and against the same providers with no CQRS module at all, which
 * tells what each library adds to Nest's own cost. Each handler class carries both libraries' decorators, so both
 * applications get exactly the same providers.
 */
import { CommandHandler as NestCommandHandler, QueryHandler as NestQueryHandler } from '@nestjs/cqrs';
import { CommandHandler, QueryHandler } from 'nestjs-cqrs-lite';
import { Bench } from 'tinybench';
import { createLiteApp, createNestCqrsApp, createPlainApp } from './fixtures.js';
import { emit, median, progress } from './harness.js';

/** `count` message classes and their handler classes, named like hand-written ones. */
function generateHandlers(count) {
  const handlers = [];
  for (let i = 0; i < count; i++) {
    const isQuery = i % 2 === 1;
    const messageName = isQuery ? `GetThing${i}` : `DoThing${i}`;
    const message = { [messageName]: class {} }[messageName];
    const handlerName = `${messageName}Handler`;
    const handler = {
      [handlerName]: class {
        async execute(msg) {
          return msg;
        }
      },
    }[handlerName];
    const decorators = isQuery
      ? [QueryHandler(message), NestQueryHandler(message)]
      : [CommandHandler(message), NestCommandHandler(message)];
    Reflect.decorate(decorators, handler);
    handlers.push(handler);
  }
  return handlers;
}

async function lifecycle(create, handlers) {
  const app = await create(handlers);
  await app.init();
  await app.close();
}

const ROUNDS = { 100: 9, 1000: 7, 5000: 5 };
const result = {};
for (const count of [100, 1000, 5000]) {
  const handlers = generateHandlers(count);
  const lite = [];
  const nest = [];
  const plain = [];
  const ratios = [];
  const overheadRatios = [];
  for (let round = 0; round < ROUNDS[count]; round++) {
    const bench = new Bench({ iterations: 1, time: 0, warmupIterations: 1, warmupTime: 0, throws: true });
    const tasks = [
      ['nestjs-cqrs-lite', () => lifecycle(createLiteApp, handlers)],
      ['@nestjs/cqrs', () => lifecycle(createNestCqrsApp, handlers)],
      // The same providers with no CQRS module: what Nest itself costs, which both libraries pay.
      ['plain Nest', () => lifecycle(createPlainApp, handlers)],
    ];
    if (round % 2) tasks.reverse();
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    const ms = Object.fromEntries(bench.tasks.map((task) => [task.name, task.result.latency.p50]));
    lite.push(ms['nestjs-cqrs-lite']);
    nest.push(ms['@nestjs/cqrs']);
    plain.push(ms['plain Nest']);
    ratios.push(ms['nestjs-cqrs-lite'] / ms['@nestjs/cqrs']);
    overheadRatios.push(
      (ms['nestjs-cqrs-lite'] - ms['plain Nest']) / (ms['@nestjs/cqrs'] - ms['plain Nest']),
    );
    progress(`bootstrap ${count} round ${round + 1}/${ROUNDS[count]}`);
  }
  result[count] = {
    liteMs: median(lite),
    nestMs: median(nest),
    plainMs: median(plain),
    ratio: median(ratios),
    overheadRatio: median(overheadRatios),
  };
}
emit(result);
