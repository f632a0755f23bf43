import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { createCache } from 'cache-manager';
import { IsString, MinLength } from 'class-validator';
import { Keyv } from 'keyv';
import { CACHE_HIT } from '../../lib/core/context-items.js';
import {
  Cacheable,
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  EventBus,
  EventHandlerError,
  EventsHandler,
  InvalidatesCache,
  MessageValidationError,
  Query,
  QueryBus,
  QueryCache,
  QueryHandler,
  UseMiddleware,
  type CqrsMiddleware,
  type MessageContext,
  type Next,
} from '../../lib/index.js';
import { createApp } from '../nest/test-app.js';

/* SPEC §13 through the Nest module: the option, the chain position (Q1), DI of QueryCache. */

const log: string[] = [];
const balances = new Map<string, number>();
/** Writes a transaction buffers until it commits (after the rest of the command's chain). */
let uncommitted: Array<() => void> = [];
let commitDelay: Promise<void> = Promise.resolve();

@Injectable()
class Logging implements CqrsMiddleware {
  async handle(_message: object, next: Next, context: MessageContext) {
    const result = await next();
    log.push(`${context.kind} ${context.messageName} hit=${String(context.items.get(CACHE_HIT))}`);
    return result;
  }
}

@Injectable()
class Own implements CqrsMiddleware {
  handle(_message: object, next: Next) {
    log.push('own');
    return next();
  }
}

/** Commits the command's writes only after the rest of its chain (the handler) has finished. */
@Injectable()
class Transaction implements CqrsMiddleware {
  async handle(_message: object, next: Next) {
    const result = await next();
    await commitDelay;
    for (const write of uncommitted) write();
    uncommitted = [];
    return result;
  }
}

@Cacheable({ tags: (q: GetBalance) => [`account:${q.account}`] })
class GetBalance extends Query<number> {
  @IsString()
  @MinLength(2)
  account: string;

  constructor(account: string) {
    super();
    this.account = account;
  }
}

@Cacheable()
class CountAccounts extends Query<number> {}

@InvalidatesCache((c: Deposit) => [`account:${c.account}`])
class Deposit {
  constructor(
    readonly account: string,
    readonly amount: number,
  ) {}
}

/** A fact that changes balances, handled by two handlers: one slow, one that may fail. */
@InvalidatesCache((e: BalanceAdjusted) => [`account:${e.account}`])
class BalanceAdjusted {
  constructor(
    readonly account: string,
    readonly to: number,
    readonly auditFails = false,
  ) {}
}

@EventsHandler(BalanceAdjusted)
class ApplyAdjustment {
  async handle(event: BalanceAdjusted) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    balances.set(event.account, event.to);
  }
}

@EventsHandler(BalanceAdjusted)
class AuditAdjustment {
  handle(event: BalanceAdjusted) {
    if (event.auditFails) throw new Error('audit log full');
  }
}

const calls = { balance: 0, count: 0 };
const noop = () => undefined;

@QueryHandler(GetBalance)
@UseMiddleware(Own)
class GetBalanceHandler {
  execute(query: GetBalance) {
    calls.balance++;
    log.push('handler');
    return balances.get(query.account) ?? 0;
  }
}

@QueryHandler(CountAccounts)
class CountAccountsHandler {
  execute() {
    calls.count++;
    return balances.size;
  }
}

@CommandHandler(Deposit)
class DepositHandler {
  execute(command: Deposit) {
    uncommitted.push(() =>
      balances.set(command.account, (balances.get(command.account) ?? 0) + command.amount),
    );
  }
}

/** Injects QueryCache as a user's provider would. */
@Injectable()
class Admin {
  constructor(readonly cache: QueryCache) {}
}

const providers = [
  GetBalanceHandler,
  CountAccountsHandler,
  DepositHandler,
  ApplyAdjustment,
  AuditAdjustment,
  Logging,
  Own,
  Transaction,
  Admin,
];

function start(cache: boolean | object | undefined): Promise<INestApplication> {
  return createApp({
    imports: [
      CqrsLiteModule.forRoot({
        middleware: [Logging],
        commandMiddleware: [Transaction],
        ...(cache === undefined ? {} : { cache }),
      }),
    ],
    providers,
  });
}

describe('query caching in the Nest module (SPEC §13)', () => {
  let app: INestApplication | undefined;
  beforeEach(() => {
    log.length = 0;
    balances.clear();
    balances.set('acme', 100);
    calls.balance = 0;
    calls.count = 0;
    commitDelay = Promise.resolve();
  });
  afterEach(() => app?.close());

  it('Q1: caching is off by default; QueryCache is still injectable and does nothing', async () => {
    app = await start(undefined);
    const queryBus = app.get(QueryBus);
    await queryBus.ask(new GetBalance('acme'));
    await queryBus.ask(new GetBalance('acme'));
    expect(calls.balance).toBe(2);
    const cache = app.get(Admin).cache;
    expect(cache).toBeInstanceOf(QueryCache);
    expect(cache.enabled).toBe(false);
    await expect(cache.invalidate(['account:acme'])).resolves.toBeUndefined();
    await expect(cache.clear()).resolves.toBeUndefined();
    expect(queryBus.registrations().find((r) => r.messageType === GetBalance)?.middleware).toEqual([
      'Logging',
      'Own',
      'ValidationMiddleware',
    ]);
  });

  it('Q1: the cache step sits after @UseMiddleware and before validation; bus middleware runs on hits', async () => {
    app = await start(true);
    const queryBus = app.get(QueryBus);
    expect(queryBus.registrations().find((r) => r.messageType === GetBalance)?.middleware).toEqual([
      'Logging',
      'Own',
      'queryCache',
      'ValidationMiddleware',
    ]);
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(100);
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(100);
    expect(log).toEqual(['own', 'handler', 'query GetBalance hit=false', 'own', 'query GetBalance hit=true']);
    // Validation still guards the handler on a miss; an invalid query is never stored.
    await expect(queryBus.ask(new GetBalance('x'))).rejects.toBeInstanceOf(MessageValidationError);
    await expect(queryBus.ask(new GetBalance('x'))).rejects.toBeInstanceOf(MessageValidationError);
    expect(calls.balance).toBe(1);
  });

  it('Q3: a command invalidates only after its whole chain succeeded, a transaction commit included', async () => {
    app = await start(true);
    const queryBus = app.get(QueryBus);
    const commandBus = app.get(CommandBus);
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(100);
    // While the transaction waits to commit, an ask still reads the committed (old) balance: had
    // the command invalidated before the commit, that ask would have stored the old balance as
    // current, and the ask after the dispatch would read it.
    let commit!: () => void;
    commitDelay = new Promise((resolve) => (commit = resolve));
    const deposit = commandBus.dispatch(new Deposit('acme', 50));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(100);
    commit();
    await deposit;
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(150);
    expect(commandBus.registrations().find((r) => r.messageType === Deposit)?.middleware).toEqual([
      'invalidateCache',
      'Logging',
      'Transaction',
    ]);
  });

  it('Q3: an event invalidates once all its handlers have settled, even if one failed', async () => {
    app = await start(true);
    const queryBus = app.get(QueryBus);
    const eventBus = app.get(EventBus);
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(100);
    await eventBus.publish(new BalanceAdjusted('acme', 7));
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(7);
    const failing = eventBus.publish(new BalanceAdjusted('acme', 8, true));
    await expect(failing).rejects.toBeInstanceOf(EventHandlerError);
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(8);
    // publishAll and an unawaited publish (as @nestjs/cqrs code does) invalidate too.
    await eventBus.publishAll([new BalanceAdjusted('acme', 9)]);
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(9);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      void eventBus.publish(new BalanceAdjusted('acme', 10, true));
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await queryBus.ask(new GetBalance('acme'))).toBe(10);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(calls.balance).toBe(5);
  });

  it('Q3: QueryCache is injectable; invalidate() and clear() act on the application’s cache', async () => {
    app = await start(true);
    const queryBus = app.get(QueryBus);
    const { cache } = app.get(Admin);
    expect(cache).toBe(app.get(QueryCache));
    await queryBus.ask(new GetBalance('acme'));
    await queryBus.ask(new CountAccounts());
    balances.set('acme', 1);
    balances.set('globex', 2);
    await cache.invalidate(['account:acme']);
    expect(await queryBus.ask(new GetBalance('acme'))).toBe(1);
    expect(await queryBus.ask(new CountAccounts())).toBe(1);
    await cache.clear();
    expect(await queryBus.ask(new CountAccounts())).toBe(2);
  });

  it('Q4: forRootAsync takes a cache-manager store from a factory; two applications sharing it share entries and invalidations', async () => {
    const shared = createCache({ stores: [new Keyv()] });
    @Module({ providers: [{ provide: 'SHARED_CACHE', useValue: shared }], exports: ['SHARED_CACHE'] })
    class StoreModule {}
    const startShared = () =>
      createApp({
        imports: [
          CqrsLiteModule.forRootAsync({
            imports: [StoreModule],
            inject: ['SHARED_CACHE'],
            useFactory: (store: typeof shared) => ({ commandMiddleware: [Transaction], cache: { store } }),
          }),
        ],
        providers,
      });
    const first = await startShared();
    const second = await startShared();
    try {
      expect(await first.get(QueryBus).ask(new GetBalance('acme'))).toBe(100);
      expect(await second.get(QueryBus).ask(new GetBalance('acme'))).toBe(100);
      expect(calls.balance).toBe(1); // the second application read the first one's entry
      await first.get(CommandBus).dispatch(new Deposit('acme', 1));
      expect(await second.get(QueryBus).ask(new GetBalance('acme'))).toBe(101);
    } finally {
      await first.close();
      await second.close();
    }
    // Closing the applications stopped their listening to the shared cache's events.
    const listening = (['mget', 'mset'] as const).map(
      (event) => (shared.on(event, noop).listenerCount(event) ?? 0) - 1,
    );
    expect(listening).toEqual([0, 0]);
  });

  it('Q1: a bad cache option fails init with a message that says what to pass', async () => {
    await expect(start({ defaultTtl: -1 })).rejects.toThrow(/defaultTtl must be a positive number/);
    await expect(start({ store: {} })).rejects.toThrow(/must be a cache-manager Cache/);
  });
});
