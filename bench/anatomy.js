/**
 * Where the time of a dispatch goes: the direct call of an async handler, plus, one at a time, each
 * primitive a bus cannot avoid under the SPEC: finding the handler by class (a Map lookup), a
 * promise step that turns the result into `undefined` (B4, commands), watching the handler's
 * promise from the side (counting dispatches in flight for graceful shutdown, queries), and a
 * clock read (the context's timestamp, once anything can see the context). Interleaved in one
 * Bench, like every comparison here.
 */
import { BATCH, compare, emit } from './harness.js';

class GetDouble {
  constructor(n) {
    this.n = n;
  }
}
class GetDoubleHandler {
  async execute(query) {
    return query.n * 2;
  }
}

const handler = new GetDoubleHandler();
const query = new GetDouble(1);
const handlers = new Map([[GetDouble, handler]]);
const toUndefined = () => undefined;
const ignore = () => undefined;

const anatomy = await compare(
  {
    direct: async () => {
      for (let i = 0; i < BATCH; i++) await handler.execute(query);
    },
    '+ Map lookup by class': async () => {
      for (let i = 0; i < BATCH; i++)
        await handlers.get(Object.getPrototypeOf(query).constructor).execute(query);
    },
    '+ .then(() => undefined)': async () => {
      for (let i = 0; i < BATCH; i++) await handler.execute(query).then(toUndefined);
    },
    '+ watching the promise from the side': async () => {
      for (let i = 0; i < BATCH; i++) {
        const pending = handler.execute(query);
        pending.then(ignore, ignore);
        await pending;
      }
    },
    '+ Date.now()': async () => {
      for (let i = 0; i < BATCH; i++) {
        Date.now();
        await handler.execute(query);
      }
    },
  },
  { baseline: 'direct', label: 'anatomy' },
);
emit(anatomy);
