import {
  Global,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type INestApplication,
  type LoggerService,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BusShutDownError,
  CommandBus,
  CommandHandler,
  CqrsError,
  CqrsLiteModule,
  Query,
  QueryBus,
  QueryHandler,
} from '../../lib/index.js';
import { createApp } from './test-app.js';

/*
 * Graceful shutdown: dispatches in flight when the application closes finish before the resources
 * their handlers use are closed; dispatches after shutdown are rejected with BusShutDownError.
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Nest lifecycle events and handler completions, in the order they happened. */
const events: string[] = [];

/** A resource that refuses writes once closed, and closes where Nest libraries close pools. */
@Injectable()
class Journal implements OnApplicationShutdown {
  readonly entries: string[] = [];
  closed = false;

  write(entry: string): void {
    if (this.closed) throw new Error(`journal closed, lost: ${entry}`);
    this.entries.push(entry);
  }

  onApplicationShutdown(): void {
    events.push('Journal.onApplicationShutdown');
    this.closed = true;
  }
}

@Module({ providers: [Journal], exports: [Journal] })
class JournalModule {}

class SlowWrite {
  constructor(
    readonly entry: string,
    readonly ms: number,
    readonly followUp?: string,
  ) {}
}
class ReadJournal extends Query<string[]> {
  constructor(readonly ms: number) {
    super();
  }
}

@CommandHandler(SlowWrite)
class SlowWriteHandler {
  constructor(
    private readonly journal: Journal,
    private readonly commandBus: CommandBus,
  ) {}

  async execute(command: SlowWrite): Promise<void> {
    await sleep(command.ms);
    this.journal.write(command.entry);
    events.push(`wrote ${command.entry}`);
    // Fire and forget, while the application is already draining: still accepted and waited for.
    if (command.followUp) void this.commandBus.dispatch(new SlowWrite(command.followUp, command.ms));
  }
}

@QueryHandler(ReadJournal)
class ReadJournalHandler {
  constructor(private readonly journal: Journal) {}

  async execute(query: ReadJournal): Promise<string[]> {
    await sleep(query.ms);
    if (this.journal.closed) throw new Error('journal closed');
    return [...this.journal.entries];
  }
}

@Injectable()
class Hooks implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly where: string) {}
  onModuleDestroy() {
    events.push(`${this.where}.onModuleDestroy`);
  }
  beforeApplicationShutdown() {
    events.push(`${this.where}.beforeApplicationShutdown`);
  }
  onApplicationShutdown() {
    events.push(`${this.where}.onApplicationShutdown`);
  }
}

@Module({
  imports: [JournalModule],
  providers: [
    SlowWriteHandler,
    ReadJournalHandler,
    { provide: Hooks, useFactory: () => new Hooks('feature') },
  ],
})
class WritesModule {}

@Global()
@Module({ providers: [{ provide: 'GLOBAL_HOOKS', useFactory: () => new Hooks('global') }] })
class GlobalHooksModule {}

/** A logger that keeps the warnings. */
class Warnings implements LoggerService {
  readonly messages: string[] = [];
  log() {}
  error() {}
  warn(message: unknown) {
    this.messages.push(String(message));
  }
}

async function start(
  options: Parameters<typeof CqrsLiteModule.forRoot>[0] = {},
  logger: LoggerService | false = false,
) {
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsLiteModule.forRoot(options), GlobalHooksModule, WritesModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  return app;
}

/** Whether a promise has settled by now. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const pending = {};
  return (
    (await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      Promise.resolve(pending),
    ])) !== pending
  );
}

let app: INestApplication | undefined;
beforeEach(() => {
  events.length = 0;
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('graceful shutdown', () => {
  it('a slow command and query in flight finish, with their resource still open, before app.close() resolves', async () => {
    app = await start();
    const journal = app.get(Journal);
    const command = app.get(CommandBus).dispatch(new SlowWrite('a', 150));
    const query = app.get(QueryBus).ask(new ReadJournal(200));

    await app.close();

    await expect(command).resolves.toBeUndefined();
    await expect(query).resolves.toEqual(['a']);
    expect(journal.entries).toEqual(['a']);
    expect(journal.closed).toBe(true);
  });

  it('control: the same handler run outside the bus loses its write when the application closes', async () => {
    // Proves the resource really is closed on shutdown, so the test above could fail.
    app = await start();
    const journal = app.get(Journal);
    const direct = app.get(SlowWriteHandler).execute(new SlowWrite('lost', 150));
    await app.close();
    await expect(direct).rejects.toThrow('journal closed, lost: lost');
    expect(journal.entries).toEqual([]);
  });

  it('the buses drain in onModuleDestroy of CqrsLiteModule: after non-global modules and global ones imported after it, before any beforeApplicationShutdown/onApplicationShutdown hook', async () => {
    app = await start();
    const dispatched = app.get(CommandBus).dispatch(new SlowWrite('a', 100));
    await app.close();
    await dispatched;
    expect(events).toEqual([
      // Nest destroys non-global modules first, then global ones in reverse order of import.
      'feature.onModuleDestroy',
      'global.onModuleDestroy',
      // CqrsLiteModule's onModuleDestroy: the buses wait for the dispatch in flight.
      'wrote a',
      'feature.beforeApplicationShutdown',
      'global.beforeApplicationShutdown',
      'feature.onApplicationShutdown',
      'Journal.onApplicationShutdown',
      'global.onApplicationShutdown',
    ]);
  });

  it('dispatches started while draining (a running handler’s follow-ups) are accepted and waited for', async () => {
    app = await start();
    const journal = app.get(Journal);
    void app.get(CommandBus).dispatch(new SlowWrite('first', 80, 'follow-up'));
    await app.close();
    expect(journal.entries).toEqual(['first', 'follow-up']);
  });

  it('dispatches after shutdown reject with BusShutDownError on both buses, and no handler runs', async () => {
    app = await start();
    const commandBus = app.get(CommandBus);
    const queryBus = app.get(QueryBus);
    const journal = app.get(Journal);
    await app.close();
    app = undefined;

    const command = commandBus.dispatch(new SlowWrite('late', 0));
    const query = queryBus.ask(new ReadJournal(0));
    await expect(command).rejects.toBeInstanceOf(BusShutDownError);
    const error = await query.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusShutDownError);
    expect(error).toBeInstanceOf(CqrsError);
    expect(error).toMatchObject({ code: 'CQRS_BUS_SHUT_DOWN', kind: 'query' });
    expect((error as Error).message).toMatch(/query bus has shut down/);
    await sleep(10);
    expect(journal.entries).toEqual([]);
  });

  it('closing an idle application does not wait for the timeout', async () => {
    app = await start({ shutdownTimeout: 60_000 });
    const started = Date.now();
    await app.close();
    app = undefined;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('at shutdownTimeout the buses close anyway, log how many dispatches still run, and do not cancel them', async () => {
    const warnings = new Warnings();
    let finish!: () => void;
    const stuck = new Promise<void>((resolve) => (finish = resolve));
    app = await start({ shutdownTimeout: 50 }, warnings);
    const commandBus = app.get(CommandBus);
    const handler = app.get(SlowWriteHandler);
    handler.execute = () => stuck;
    const hung = commandBus.dispatch(new SlowWrite('never', 0));

    const started = Date.now();
    await app.close();
    app = undefined;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(warnings.messages).toEqual([
      expect.stringMatching(/^1 dispatch was still running after shutdownTimeout \(50 ms\)/),
    ]);
    expect(await isSettled(hung)).toBe(false);
    await expect(commandBus.dispatch(new SlowWrite('late', 0))).rejects.toBeInstanceOf(BusShutDownError);
    finish();
    await expect(hung).resolves.toBeUndefined();
  });

  it('shutdownTimeout can come from forRootAsync', async () => {
    const warnings = new Warnings();
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsLiteModule.forRootAsync({ useFactory: () => ({ shutdownTimeout: 20 }) }), WritesModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: warnings });
    await app.init();
    const late = app.get(QueryBus).ask(new ReadJournal(300));
    const started = Date.now();
    await app.close();
    app = undefined;
    expect(Date.now() - started).toBeLessThan(250);
    expect(warnings.messages).toHaveLength(1);
    // Past the timeout, the running handler finds its resource closed, as documented.
    await expect(late).rejects.toThrow('journal closed');
  });

  it('N7: closing one application leaves the buses of another one working', async () => {
    const other = await createApp({ imports: [CqrsLiteModule.forRoot(), WritesModule] });
    try {
      app = await start();
      await app.close();
      app = undefined;
      await expect(other.get(QueryBus).ask(new ReadJournal(0))).resolves.toEqual([]);
    } finally {
      await other.close();
    }
  });
});
