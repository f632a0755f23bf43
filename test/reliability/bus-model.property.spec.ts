import fc from 'fast-check';
import { Observable } from 'rxjs';
import {
  CommandBus,
  InFlightTracker,
  QueryBus,
  type CqrsMiddleware,
  type MessageContext,
  type Middleware,
  type Next,
} from '../../lib/core/index.js';

/*
 * The buses against a model (SPEC §3–§5): random middleware chains and handlers run on a real bus
 * and through a plain recursive interpreter of the rules; result, call order, context identity
 * and error identity must agree, for several concurrent dispatches at once.
 */

type MiddlewareKind =
  | 'pass' // return next()
  | 'passAsync' // await a delay, then next()
  | 'modify' // next(a replacement message)
  | 'mapResult' // transform what next() resolves to
  | 'short' // return a value without calling next()
  | 'throw' // throw synchronously
  | 'reject' // reject after a delay
  | 'retry' // call next(), ignore its outcome, call it again
  | 'recover'; // turn a failure of the rest of the chain into a value
type HandlerKind =
  'sync' | 'async' | 'observable' | 'observableEmpty' | 'throw' | 'reject' | 'observableError';

interface MiddlewareSpec {
  kind: MiddlewareKind;
  asObject: boolean;
  delays: number[];
}
interface Scenario {
  chain: MiddlewareSpec[];
  handler: HandlerKind;
  handlerDelays: number[];
  /** Where the chain is split: [0, a) bus constructor, [a, b) bus.use(), [b, end) registration. */
  split: [number, number];
  propagateContext: boolean;
  tracked: boolean;
  concurrent: number;
}

class Msg {
  constructor(
    readonly tag: string,
    readonly d: number,
  ) {}
}

type Outcome = { ok: unknown } | { err: Error };

/** One error object per dispatch and place, so that identity can be checked. */
class Errors {
  private readonly byLabel = new Map<string, Error>();
  get(d: number, label: string): Error {
    const key = `${d}:${label}`;
    let error = this.byLabel.get(key);
    if (!error) this.byLabel.set(key, (error = new Error(key)));
    return error;
  }
}

/** Waits `n` turns: 0 = one microtask, odd = setImmediate hops, even = microtask hops. */
function delay(n: number): Promise<void> {
  if (n % 2 === 1) return new Promise((resolve) => setImmediate(resolve));
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then();
  return p;
}

/** The model: what SPEC §3–§4 say a dispatch does. Returns the outcome; fills `log` and `syncLength`. */
function model(s: Scenario, d: number, errors: Errors) {
  const log: string[] = [];
  let sync = true;
  let syncLength = 0;
  const record = (event: string) => {
    log.push(event);
    if (sync) syncLength++;
  };
  const handler = (tag: string): Outcome => {
    record(`h(${tag})`);
    switch (s.handler) {
      case 'sync':
      case 'async':
      case 'observable':
        return { ok: `r:${tag}` };
      case 'observableEmpty':
        return { ok: undefined };
      default:
        return { err: errors.get(d, 'h') };
    }
  };
  const step = (i: number, tag: string): Outcome => {
    if (i === s.chain.length) return handler(tag);
    const mw = s.chain[i]!;
    record(`mw${i}(${tag})`);
    switch (mw.kind) {
      case 'pass':
        return step(i + 1, tag);
      case 'passAsync':
        sync = false;
        return step(i + 1, tag);
      case 'modify':
        return step(i + 1, `${tag}+${i}`);
      case 'mapResult': {
        const inner = step(i + 1, tag);
        return 'ok' in inner ? { ok: { wrap: i, inner: inner.ok } } : inner;
      }
      case 'short':
        return { ok: `short${i}` };
      case 'throw':
      case 'reject':
        return { err: errors.get(d, `mw${i}`) };
      case 'retry':
        step(i + 1, tag);
        sync = false; // the second call comes after the first one settled
        return step(i + 1, tag);
      case 'recover': {
        const inner = step(i + 1, tag);
        return 'err' in inner ? { ok: { recovered: i, from: inner.err.message } } : inner;
      }
    }
  };
  const outcome = step(0, `m${d}`);
  return { outcome, log, syncLength };
}

/** The real thing: middleware and handler that record what they see, per dispatch. */
function build(s: Scenario, errors: Errors, logs: string[][], seen: MessageContext[][]) {
  const middleware = s.chain.map((spec, i): Middleware => {
    const handle = (message: object, next: Next, context: MessageContext): unknown => {
      const { tag, d } = message as Msg;
      logs[d]!.push(`mw${i}(${tag})`);
      seen[d]!.push(context);
      context.items.set(`mw${i}`, d);
      const wait = spec.delays[d % spec.delays.length]!;
      switch (spec.kind) {
        case 'pass':
          return next();
        case 'passAsync':
          return delay(wait).then(() => next());
        case 'modify':
          return next(new Msg(`${tag}+${i}`, d));
        case 'mapResult':
          return next().then((inner) => ({ wrap: i, inner }));
        case 'short':
          return `short${i}`;
        case 'throw':
          throw errors.get(d, `mw${i}`);
        case 'reject':
          return delay(wait).then(() => {
            throw errors.get(d, `mw${i}`);
          });
        case 'retry':
          return next()
            .catch(() => undefined)
            .then(() => next());
        case 'recover':
          return next().catch((error: Error) => ({ recovered: i, from: error.message }));
      }
    };
    if (!spec.asObject) return handle;
    const object: CqrsMiddleware = { handle };
    return object;
  });
  const handler = (message: Msg, context: MessageContext): unknown => {
    const { tag, d } = message;
    logs[d]!.push(`h(${tag})`);
    seen[d]!.push(context);
    const wait = s.handlerDelays[d % s.handlerDelays.length]!;
    switch (s.handler) {
      case 'sync':
        return `r:${tag}`;
      case 'async':
        return delay(wait).then(() => `r:${tag}`);
      case 'observable':
        return new Observable<string>((subscriber) => {
          subscriber.next('first');
          void delay(wait).then(() => {
            subscriber.next(`r:${tag}`);
            subscriber.complete();
          });
        });
      case 'observableEmpty':
        return new Observable<string>((subscriber) => {
          void delay(wait).then(() => subscriber.complete());
        });
      case 'throw':
        throw errors.get(d, 'h');
      case 'reject':
        return delay(wait).then(() => {
          throw errors.get(d, 'h');
        });
      case 'observableError':
        return new Observable<string>((subscriber) => {
          void delay(wait).then(() => subscriber.error(errors.get(d, 'h')));
        });
    }
  };
  return { middleware, handler };
}

const delays = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 });
const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    chain: fc.array(
      fc.record({
        kind: fc.constantFrom<MiddlewareKind>(
          'pass',
          'passAsync',
          'modify',
          'mapResult',
          'short',
          'throw',
          'reject',
          'retry',
          'recover',
        ),
        asObject: fc.boolean(),
        delays,
      }),
      { maxLength: 6 },
    ),
    handler: fc.constantFrom<HandlerKind>(
      'sync',
      'async',
      'observable',
      'observableEmpty',
      'throw',
      'reject',
      'observableError',
    ),
    handlerDelays: delays,
    cuts: fc.tuple(fc.nat(), fc.nat()),
    propagateContext: fc.boolean(),
    tracked: fc.boolean(),
    concurrent: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ cuts, ...rest }) => {
    const n = rest.chain.length + 1;
    const [a, b] = [cuts[0] % n, cuts[1] % n].sort((x, y) => x - y) as [number, number];
    return { ...rest, split: [a, b] as [number, number] };
  });

async function check(kind: 'command' | 'query', s: Scenario): Promise<void> {
  const errors = new Errors();
  const logs: string[][] = [];
  const seen: MessageContext[][] = [];
  const { middleware, handler } = build(s, errors, logs, seen);
  const [a, b] = s.split;
  const inFlight = s.tracked ? new InFlightTracker() : undefined;
  const options = { middleware: middleware.slice(0, a), propagateContext: s.propagateContext, inFlight };
  const bus = kind === 'command' ? new CommandBus(options) : new QueryBus(options);
  bus.use(...middleware.slice(a, b));
  if (bus instanceof CommandBus) bus.register(Msg, handler, { middleware: middleware.slice(b) });
  else bus.register(Msg, handler, { middleware: middleware.slice(b) });

  const runs = Array.from({ length: s.concurrent }, (_, d) => {
    logs.push([]);
    seen.push([]);
    const expected = model(s, d, errors);
    const message = new Msg(`m${d}`, d);
    const promise = bus instanceof CommandBus ? bus.dispatch(message) : bus.ask(message);
    // B2, B3: a promise, and exactly the synchronous part of the chain has already run.
    expect(promise).toBeInstanceOf(Promise);
    expect(logs[d]).toEqual(expected.log.slice(0, expected.syncLength));
    return {
      d,
      expected,
      settled: promise.then(
        (value) => ({ ok: value }),
        (err: Error) => ({ err }),
      ),
    };
  });

  for (const { d, expected, settled } of runs) {
    const actual: Outcome = await settled;
    // M1/M2: call order, including retries and replaced messages.
    expect(logs[d]).toEqual(expected.log);
    if ('err' in expected.outcome) {
      // B5: the very same error object, for this dispatch and no other.
      expect('err' in actual && actual.err).toBe(expected.outcome.err);
    } else {
      // B4: dispatch resolves to undefined; ask to what the outermost step returned.
      expect(actual).toEqual({ ok: kind === 'command' ? undefined : expected.outcome.ok });
    }
    // C1 and B9: one context per dispatch, shared by every step of it and by no other dispatch.
    const context = seen[d]![0]!;
    expect(seen[d]!.every((c) => c === context)).toBe(true);
    expect(context.kind).toBe(kind);
    expect(context.messageType).toBe(Msg);
    for (const other of seen.filter((_, i) => i !== d)) expect(other).not.toContain(context);
    for (const event of expected.log) {
      const step = /^mw(\d+)/.exec(event);
      if (step) expect(context.items.get(`mw${step[1]}`)).toBe(d);
    }
  }
  if (inFlight) expect(inFlight.count).toBe(0);
}

describe('the buses against a model of SPEC §3–§5', () => {
  it('B3, B4, B5, M1, M2, C1, B9: random chains on the command bus behave as the model says', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => check('command', s)),
      { numRuns: 300 },
    );
  });

  it('B3, B4, B5, M1, M2, C1, B9: random chains on the query bus behave as the model says', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => check('query', s)),
      { numRuns: 300 },
    );
  });
});
