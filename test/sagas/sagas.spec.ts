/** SPEC §12 S1–S4: @Saga() and ofType() in a Nest application. */
import { jest } from '@jest/globals';
import {
  Inject,
  Injectable,
  Logger,
  Scope,
  type INestApplication,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { IsString } from 'class-validator';
import { delay, map, mergeMap, of, throwError, type Observable } from 'rxjs';
import {
  CommandHandler,
  CqrsLiteModule,
  EventBus,
  EventsHandler,
  InvalidHandlerError,
  InvalidMessageError,
  MessageValidationError,
  ofType,
  Saga,
  type ICommand,
  type MessageContext,
  type SagaErrorInfo,
} from '../../lib/index.js';
import { createApp, initError } from '../nest/test-app.js';

class DragonSlain {
  constructor(
    readonly heroId: string,
    readonly dragon = 'smaug',
  ) {}
}
class TreasureFound {
  constructor(readonly heroId: string) {}
}
class LegendarySlain extends DragonSlain {}
class Ping {
  constructor(readonly n: number) {}
}

class DropLoot {
  @IsString()
  heroId!: string;
  constructor(heroId: string) {
    this.heroId = heroId;
  }
}
class Fail {
  constructor(readonly n: number) {}
}

const SEEN = Symbol('SEEN');
interface Seen {
  commands: { command: object; context: MessageContext }[];
  events: string[];
}
const seenProvider = () => ({ provide: SEEN, useValue: { commands: [], events: [] } as Seen });

@CommandHandler(DropLoot)
class DropLootHandler {
  constructor(@Inject(SEEN) private readonly seen: Seen) {}
  execute(command: DropLoot, context: MessageContext) {
    this.seen.commands.push({ command, context });
  }
}

@CommandHandler(Fail)
class FailHandler {
  constructor(@Inject(SEEN) private readonly seen: Seen) {}
  async execute(command: Fail) {
    this.seen.commands.push({ command, context: undefined as never });
    throw new Error(`fail ${command.n}`);
  }
}

@EventsHandler(DragonSlain)
class ChronicleHandler {
  constructor(@Inject(SEEN) private readonly seen: Seen) {}
  handle(event: DragonSlain) {
    this.seen.events.push(`chronicle:${event.heroId}`);
  }
}

const sagaCalls = { count: 0 };

@Injectable()
class HeroSagas {
  constructor(@Inject(SEEN) private readonly seen: Seen) {}

  @Saga()
  dragonSlain = (events$: Observable<any>): Observable<ICommand> => {
    sagaCalls.count++;
    return events$.pipe(
      ofType(DragonSlain),
      map((event) => {
        // S1: the event's handlers have started before the saga sees it.
        this.seen.events.push(`saga:${event.heroId}`);
        return new DropLoot(event.heroId);
      }),
    );
  };

  @Saga()
  treasure(events$: Observable<object>) {
    return events$.pipe(
      ofType(TreasureFound),
      map(() => null),
    );
  }
}

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

describe('sagas (SPEC §12 S1–S4)', () => {
  let app: INestApplication | undefined;
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  beforeEach(() => {
    unhandled = [];
    sagaCalls.count = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    // Let any stray rejection surface before checking.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
    jest.restoreAllMocks();
  });

  it('S1: every @Saga() of a singleton provider is subscribed once and sees publish, publishAll and publishEnvelope, after the handlers started', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot()],
      providers: [seenProvider(), HeroSagas, DropLootHandler, ChronicleHandler],
    });
    const bus = app.get(EventBus);
    const seen = app.get<Seen>(SEEN);
    expect(sagaCalls.count).toBe(1);
    await bus.publish(new DragonSlain('h-1'));
    await bus.publishAll([new DragonSlain('h-2'), new TreasureFound('h-2'), new DragonSlain('h-3')]);
    await bus.publishEnvelope(JSON.parse(JSON.stringify(bus.toEnvelope(new DragonSlain('h-4')))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.events.slice(0, 2)).toEqual(['chronicle:h-1', 'saga:h-1']);
    expect(seen.commands.map(({ command }) => (command as DropLoot).heroId)).toEqual([
      'h-1',
      'h-2',
      'h-3',
      'h-4',
    ]);
    expect(seen.commands.every(({ command }) => command instanceof DropLoot)).toBe(true);
    expect(sagaCalls.count).toBe(1); // subscribed once, not per event
  });

  it('S1: ofType passes exactly the given classes (a subclass instance does not pass); null/undefined emissions are ignored', async () => {
    const report = jest.fn();
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onSagaError: report })],
      providers: [seenProvider(), HeroSagas, DropLootHandler],
    });
    await app.get(EventBus).publish(new LegendarySlain('h-9'));
    await app.get(EventBus).publish(new TreasureFound('h-9')); // the treasure saga emits null
    expect(app.get<Seen>(SEEN).commands).toEqual([]);
    expect(report).not.toHaveBeenCalled();
  });

  it('S1: the sagas listen before any onApplicationBootstrap hook; emitted commands go through the command bus middleware and validation', async () => {
    @Injectable()
    class Bootstrapper implements OnApplicationBootstrap {
      constructor(private readonly events: EventBus) {}
      async onApplicationBootstrap() {
        await this.events.publish(new DragonSlain('h-boot'));
      }
    }
    @Injectable()
    class InvalidLootSaga {
      @Saga()
      loot = (events$: Observable<object>) =>
        events$.pipe(
          ofType(TreasureFound),
          map(() => new DropLoot(42 as never)),
        );
    }
    const trail: string[] = [];
    const report = jest.fn();
    app = await createApp({
      imports: [
        CqrsLiteModule.forRoot({
          commandMiddleware: [
            (message, next) => {
              trail.push(`middleware:${message.constructor.name}`);
              return next();
            },
          ],
          onSagaError: report,
        }),
      ],
      providers: [seenProvider(), HeroSagas, InvalidLootSaga, DropLootHandler, Bootstrapper],
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.get<Seen>(SEEN).commands.map(({ command }) => (command as DropLoot).heroId)).toEqual([
      'h-boot',
    ]);
    expect(trail).toEqual(['middleware:DropLoot']);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await app.get(EventBus).publish(new TreasureFound('h-1'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(report).toHaveBeenCalledTimes(1);
    expect(report.mock.calls[0]![0]).toBeInstanceOf(MessageValidationError);
  });

  it('S2: a command emitted synchronously is dispatched with causedBy a context of that publish', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot()],
      providers: [seenProvider(), HeroSagas, DropLootHandler, ChronicleHandler],
    });
    let eventContext: MessageContext | undefined;
    app.get(EventBus).subscribe(DragonSlain, (event: DragonSlain, context: MessageContext) => {
      eventContext = context;
    });
    await app.get(EventBus).publish(new DragonSlain('h-1'), { correlationId: 'quest-7' });
    const { context } = app.get<Seen>(SEEN).commands[0]!;
    expect(context.kind).toBe('command');
    expect(context.correlationId).toBe('quest-7');
    expect(context.causationId).toBe(eventContext!.id);
  });

  it('S2: with propagateContext, a command emitted later (after delay()) is caused by the event too', async () => {
    @Injectable()
    class DelayedSaga {
      @Saga()
      later = (events$: Observable<object>) =>
        events$.pipe(
          ofType(DragonSlain),
          delay(5),
          map((event) => new DropLoot(event.heroId)),
        );
    }
    const build = (propagateContext: boolean) =>
      createApp({
        imports: [CqrsLiteModule.forRoot({ propagateContext })],
        providers: [seenProvider(), DelayedSaga, DropLootHandler],
      });
    for (const propagateContext of [true, false]) {
      app = await build(propagateContext);
      let eventContext: MessageContext | undefined;
      app.get(EventBus).subscribe(DragonSlain, (event: DragonSlain, context: MessageContext) => {
        eventContext = context;
      });
      await app.get(EventBus).publish(new DragonSlain('h-1'), { correlationId: 'quest-8' });
      const seen = app.get<Seen>(SEEN);
      expect(seen.commands).toHaveLength(0); // still delayed
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(seen.commands).toHaveLength(1);
      const { context } = seen.commands[0]!;
      if (propagateContext) {
        expect(context.causationId).toBe(eventContext!.id);
        expect(context.correlationId).toBe('quest-8');
      } else {
        expect(context.causationId).toBeUndefined();
      }
      await app.close();
      app = undefined;
    }
  });

  it('S3: a rejected dispatch is reported once (Logger naming Class.property, onSagaError with the error unchanged) and the saga keeps working', async () => {
    const failure = new Error('loot table locked');
    @CommandHandler(DropLoot)
    class FlakyLoot {
      calls = 0;
      execute() {
        if (++this.calls === 1) throw failure;
      }
    }
    const reports: { error: unknown; info: SagaErrorInfo }[] = [];
    const logged: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      logged.push(String(message));
    });
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onSagaError: (error, info) => reports.push({ error, info }) })],
      providers: [seenProvider(), HeroSagas, FlakyLoot],
    });
    const event = new DragonSlain('h-1');
    await app.get(EventBus).publish(event);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.error).toBe(failure);
    expect(reports[0]!.info.saga).toBe('HeroSagas.dragonSlain');
    expect(reports[0]!.info.event).toBe(event);
    expect(reports[0]!.info.command).toEqual(new DropLoot('h-1'));
    expect(logged.filter((line) => line.includes('HeroSagas.dragonSlain'))).toHaveLength(1);
    expect(logged.find((line) => line.includes('HeroSagas.dragonSlain'))).toContain('loot table locked');
    await app.get(EventBus).publish(new DragonSlain('h-2'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.get(FlakyLoot).calls).toBe(2);
    expect(reports).toHaveLength(1);
  });

  it('S3: an error in the saga’s own stream, and an emitted non-object, are reported; the saga is subscribed again', async () => {
    @Injectable()
    class BrittleSaga {
      subscriptions = 0;
      @Saga()
      brittle = (events$: Observable<object>) => {
        this.subscriptions++;
        return events$.pipe(
          ofType(Ping),
          mergeMap((ping) => {
            if (ping.n === 1) return throwError(() => new Error('stream broke'));
            if (ping.n === 2) return of('not a command');
            return of(new DropLoot(`ping-${ping.n}`));
          }),
        );
      };
    }
    const reports: { error: unknown; info: SagaErrorInfo }[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onSagaError: (error, info) => reports.push({ error, info }) })],
      providers: [seenProvider(), BrittleSaga, DropLootHandler],
    });
    const bus = app.get(EventBus);
    for (const n of [0, 1, 2, 3]) await bus.publish(new Ping(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reports.map(({ error }) => (error as Error).message)).toEqual([
      'stream broke',
      expect.stringContaining('Invalid message'),
    ]);
    expect(reports[0]!.info).toEqual({ saga: 'BrittleSaga.brittle', event: new Ping(1) });
    expect(reports[1]!.error).toBeInstanceOf(InvalidMessageError);
    expect(reports[1]!.info.command).toBe('not a command');
    expect(app.get(BrittleSaga).subscriptions).toBe(2); // subscribed again once, after the stream error
    expect(app.get<Seen>(SEEN).commands.map(({ command }) => (command as DropLoot).heroId)).toEqual([
      'ping-0',
      'ping-3',
    ]);
  });

  it('S3: a saga that fails while being subscribed is reported, then subscribed again on the next event (no loop)', async () => {
    @Injectable()
    class FailsAtFirst {
      attempts = 0;
      @Saga()
      saga = (events$: Observable<object>) => {
        if (++this.attempts === 1) return throwError(() => new Error('not ready'));
        return events$.pipe(
          ofType(Ping),
          map((ping) => new DropLoot(`p${ping.n}`)),
        );
      };
    }
    const report = jest.fn();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onSagaError: report })],
      providers: [seenProvider(), FailsAtFirst, DropLootHandler],
    });
    expect(report).toHaveBeenCalledTimes(1);
    expect(app.get(FailsAtFirst).attempts).toBe(1);
    await app.get(EventBus).publish(new Ping(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.get(FailsAtFirst).attempts).toBe(2);
    expect(app.get<Seen>(SEEN).commands.map(({ command }) => (command as DropLoot).heroId)).toEqual(['p1']);
  });

  it('S3: under 10,000 events with a failing command in every hundred, the saga keeps working and reports each failure once', async () => {
    @Injectable()
    class LoadSaga {
      @Saga()
      saga = (events$: Observable<object>) =>
        events$.pipe(
          ofType(Ping),
          map((ping) => (ping.n % 100 === 99 ? new Fail(ping.n) : new DropLoot(`p${ping.n}`))),
        );
    }
    const reports: { error: unknown; info: SagaErrorInfo }[] = [];
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onSagaError: (error, info) => reports.push({ error, info }) })],
      providers: [seenProvider(), LoadSaga, DropLootHandler, FailHandler],
    });
    const bus = app.get(EventBus);
    const publishes: Promise<void>[] = [];
    for (let n = 0; n < 10_000; n++) publishes.push(bus.publish(new Ping(n)));
    await Promise.all(publishes);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const seen = app.get<Seen>(SEEN);
    expect(seen.commands).toHaveLength(10_000);
    expect(seen.commands.filter(({ command }) => command instanceof DropLoot)).toHaveLength(9_900);
    expect(reports).toHaveLength(100);
    const failed = reports.map(({ info }) => (info.command as Fail).n);
    expect(new Set(failed).size).toBe(100);
    expect(failed.every((n) => n % 100 === 99)).toBe(true);
    expect(reports.every(({ error }, i) => (error as Error).message === `fail ${failed[i]}`)).toBe(true);
    expect(logged).toHaveBeenCalledTimes(100);
    // Still listening afterwards.
    await bus.publish(new Ping(10_000));
    expect(seen.commands).toHaveLength(10_001);
  });

  it('S4: @Saga() on a request-scoped or transient provider, or on a member that is not a function, fails init with InvalidHandlerError', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class RequestSaga {
      @Saga()
      saga = (events$: Observable<object>) => events$;
    }
    @Injectable({ scope: Scope.TRANSIENT })
    class TransientSaga {
      @Saga()
      saga = (events$: Observable<object>) => events$;
    }
    @Injectable()
    class NotAFunction {
      @Saga()
      saga = 42;
    }
    for (const provider of [RequestSaga, TransientSaga]) {
      const error = await initError({ imports: [CqrsLiteModule.forRoot()], providers: [provider] });
      expect(error).toBeInstanceOf(InvalidHandlerError);
      expect((error as Error).message).toContain(provider.name);
      expect((error as Error).message).toContain('singleton');
    }
    const error = await initError({ imports: [CqrsLiteModule.forRoot()], providers: [NotAFunction] });
    expect(error).toBeInstanceOf(InvalidHandlerError);
    expect((error as Error).message).toContain('NotAFunction.saga');
  });

  it('S4: on close the commands sagas dispatched are drained, then the sagas are unsubscribed', async () => {
    const finished: string[] = [];
    @CommandHandler(DropLoot)
    class SlowLoot {
      async execute(command: DropLoot) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        finished.push(command.heroId);
      }
    }
    @Injectable()
    class DelayedSaga {
      @Saga()
      later = (events$: Observable<object>) =>
        events$.pipe(
          ofType(TreasureFound),
          delay(200),
          map((event) => new DropLoot(`late-${event.heroId}`)),
        );
    }
    const report = jest.fn();
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ onSagaError: report })],
      providers: [seenProvider(), HeroSagas, DelayedSaga, SlowLoot],
    });
    const bus = app.get(EventBus);
    await bus.publish(new DragonSlain('h-1'));
    await bus.publish(new TreasureFound('h-2'));
    await app.close();
    app = undefined;
    expect(finished).toEqual(['h-1']); // drained before close resolved
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(finished).toEqual(['h-1']); // the delayed saga was unsubscribed: nothing sent after close
    expect(report).not.toHaveBeenCalled();
  });

  it('S4: a provider with no sagas costs nothing: no listener on the event bus', async () => {
    const listen = jest.spyOn(EventBus.prototype, 'listen');
    app = await createApp({
      imports: [CqrsLiteModule.forRoot()],
      providers: [seenProvider(), DropLootHandler],
    });
    expect(listen).not.toHaveBeenCalled();
    await app.close();
    app = await createApp({ imports: [CqrsLiteModule.forRoot()], providers: [seenProvider(), HeroSagas] });
    expect(listen).toHaveBeenCalledTimes(1);
  });
});
