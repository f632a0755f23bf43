import fc from 'fast-check';
import { EventBus, EventHandlerError, InFlightTracker } from '../../lib/core/index.js';

/*
 * publish / publishAll against a model (SPEC §11 E3, E4, E6): random handlers that are sync,
 * async, throwing or rejecting, as functions or objects, on random event classes. The real bus and
 * a plain model must agree on the synchronous start order, on when the promise settles, and on
 * the gathered failures (which handlers, which errors, which events, in which order).
 */

type HandlerKind = 'sync' | 'async' | 'throw' | 'reject';
interface HandlerSpec {
  kind: HandlerKind;
  asObject: boolean;
  delay: number;
  eventIndex: number;
}

const eventClasses = [class A {}, class B {}, class C {}];

const handlerSpec = fc.record({
  kind: fc.constantFrom<HandlerKind>('sync', 'async', 'throw', 'reject'),
  asObject: fc.boolean(),
  delay: fc.integer({ min: 0, max: 3 }),
  eventIndex: fc.integer({ min: 0, max: eventClasses.length - 1 }),
});

const later = (ticks: number) =>
  new Promise<void>((resolve) => {
    const step = (left: number) => (left === 0 ? resolve() : setImmediate(step, left - 1));
    step(ticks);
  });

describe('publish against a model (SPEC §11, fast-check)', () => {
  it('E3, E4, E6: start order, settling and gathered failures agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(handlerSpec, { maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: eventClasses.length - 1 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        async (handlers, published, all, tracked) => {
          const inFlight = tracked ? new InFlightTracker() : undefined;
          const bus = new EventBus({ inFlight });
          const started: string[] = [];
          const finished: string[] = [];
          handlers.forEach((spec, i) => {
            const name = `h${i}`;
            const error = new Error(name);
            const run = (event: object): unknown => {
              started.push(`${name}:${events.indexOf(event)}`);
              switch (spec.kind) {
                case 'sync':
                  finished.push(name);
                  return undefined;
                case 'throw':
                  throw error;
                case 'async':
                  return later(spec.delay).then(() => void finished.push(name));
                case 'reject':
                  return later(spec.delay).then(() => Promise.reject(error));
              }
            };
            const fn = { [name]: (event: object) => run(event) }[name]!;
            const handler = spec.asObject ? { handle: fn } : fn;
            bus.subscribe(eventClasses[spec.eventIndex]!, handler);
          });
          const events = published.map((index) => new eventClasses[index]!());

          // The model: each event's handlers in subscription order; failures in the same order.
          const expectedStart: string[] = [];
          const expectedFailures: { handler: string; message: string; event: object }[] = [];
          const toPublish = all ? events : events.slice(0, 1);
          toPublish.forEach((event, e) => {
            handlers.forEach((spec, i) => {
              if (eventClasses[spec.eventIndex] !== event.constructor) return;
              expectedStart.push(`h${i}:${e}`);
              if (spec.kind === 'throw' || spec.kind === 'reject') {
                // A plain object is named 'anonymous' (SPEC §7); a function by its name.
                expectedFailures.push({
                  handler: spec.asObject ? 'anonymous' : `h${i}`,
                  message: `h${i}`,
                  event,
                });
              }
            });
          });

          const promise = all ? bus.publishAll(events) : bus.publish(events[0]!);
          expect(started).toEqual(expectedStart);
          const outcome = await promise.then(
            () => undefined,
            (error: unknown) => error,
          );
          // Settled only after every handler that succeeds has finished.
          const successes = expectedStart.length - expectedFailures.length;
          expect(finished).toHaveLength(successes);
          if (expectedFailures.length === 0) {
            expect(outcome).toBeUndefined();
          } else {
            expect(outcome).toBeInstanceOf(EventHandlerError);
            const error = outcome as EventHandlerError;
            expect(
              error.failures.map((f) => ({
                handler: f.handler,
                message: (f.error as Error).message,
                event: f.event,
              })),
            ).toEqual(expectedFailures);
            expect(error.event).toBe(expectedFailures[0]!.event);
            expect(error.cause).toBe(error.failures[0]!.error);
          }
          if (inFlight) {
            await later(1);
            expect(inFlight.count).toBe(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
