import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  CommandBus,
  InFlightTracker,
  QueryBus,
  type MessageContext,
  type Next,
} from '../../lib/core/index.js';

/*
 * B9 under load: 100,000 dispatches in flight together, mixing fast, slow and failing handlers,
 * with middleware passing per-dispatch data through context items and headers. Every promise must
 * settle with its own result or its own error, and the event loop must stay responsive.
 */

const N = 100_000;
const CHUNK = 1_000;
type Mode = 'fast' | 'slow' | 'fail';

class Job {
  constructor(
    readonly i: number,
    readonly mode: Mode,
  ) {}
}
class JobFailed extends Error {
  constructor(readonly i: number) {
    super(`job ${i} failed`);
  }
}

const modeOf = (i: number): Mode => (['fast', 'slow', 'fail'] as const)[(i * 7919) % 3]!;

it('B9: 100,000 concurrent dispatches each settle with their own result, with no cross-talk and a responsive event loop', async () => {
  const inFlight = new InFlightTracker();
  let crossTalk = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));

  // Async middleware: hands the job number to the handler through the context's items.
  const stamp = async (message: object, next: Next, context: MessageContext) => {
    await undefined;
    context.items.set('job', (message as Job).i);
    return next();
  };
  // Sync middleware: checks the headers of this dispatch and transforms the result.
  const check = (message: object, next: Next, context: MessageContext) => {
    if (context.headers.job !== String((message as Job).i)) crossTalk++;
    return next().then((result) => (typeof result === 'number' ? result + 1 : result));
  };
  const handle = (job: Job, context: MessageContext): number | Promise<number> => {
    if (context.items.get('job') !== job.i || context.correlationId !== `c${job.i}`) crossTalk++;
    if (job.mode === 'fail') throw new JobFailed(job.i);
    if (job.mode === 'fast') return job.i * 2;
    // Slow jobs all wait for the gate, so that tens of thousands are in flight at once.
    return gate.then(
      () => new Promise<number>((resolve) => setTimeout(() => resolve(job.i * 2), job.i % 20)),
    );
  };
  const commands = new CommandBus({ inFlight, middleware: [stamp, check] });
  const queries = new QueryBus({ inFlight, middleware: [stamp, check] });
  const done: number[] = [];
  commands.register(Job, (job: Job, context: MessageContext) => {
    const result = handle(job, context);
    return typeof result === 'number' ? void done.push(job.i) : result.then(() => void done.push(job.i));
  });
  queries.register(Job, handle);

  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const settled: Promise<unknown>[] = [];
  let peak = 0;
  for (let start = 0; start < N; start += CHUNK) {
    for (let i = start; i < start + CHUNK; i++) {
      const job = new Job(i, modeOf(i));
      const options = { correlationId: `c${i}`, headers: { job: String(i) } };
      // Even jobs are queries (their result is checked), odd ones commands.
      settled[i] = (i % 2 === 0 ? queries.ask(job, options) : commands.dispatch(job, options)).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    }
    peak = Math.max(peak, inFlight.count);
    await new Promise((resolve) => setImmediate(resolve));
  }
  peak = Math.max(peak, inFlight.count);
  release();
  const outcomes = await Promise.all(settled);
  histogram.disable();

  let wrong = 0;
  outcomes.forEach((outcome, i) => {
    const mode = modeOf(i);
    if (mode === 'fail') {
      const error = (outcome as { error?: unknown }).error;
      if (!(error instanceof JobFailed) || error.i !== i) wrong++;
    } else if ((outcome as { value?: unknown }).value !== (i % 2 === 0 ? i * 2 + 1 : undefined)) {
      wrong++;
    }
  });
  expect({ wrong, crossTalk }).toEqual({ wrong: 0, crossTalk: 0 });
  expect(done.sort((a, b) => a - b)).toEqual(
    Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === 1 && modeOf(i) !== 'fail'),
  );
  // The slow third of all jobs was in flight at the same time; all of them are counted out again.
  expect(peak).toBeGreaterThan(N / 3 - CHUNK);
  expect(inFlight.count).toBe(0);
  // Dispatching a chunk of 1,000 or settling the slow jobs never blocks the loop for long. Alone
  // on this 2-core machine: p99 about 80 ms, max about 280 ms (the release of 33,000 slow jobs at
  // once); about 2x that while other suites run. Bounds with room for a busy CI runner; a bus that
  // did per-dispatch work proportional to what is in flight would block for seconds.
  const maxDelayMs = histogram.max / 1e6;
  const p99Ms = histogram.percentile(99) / 1e6;
  if (process.env.LOAD_REPORT) console.log({ maxDelayMs, p99Ms, peak });
  expect(p99Ms).toBeLessThan(1_500);
  expect(maxDelayMs).toBeLessThan(5_000);
}, 60_000);
