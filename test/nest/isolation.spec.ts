import { Injectable, Module, type INestApplication } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  HandlerNotFoundError,
  Query,
  QueryBus,
  QueryHandler,
  UseMiddleware,
  defaultCommandBus,
  defaultQueryBus,
  type CqrsMiddleware,
  type Next,
} from '../../lib/index.js';
import { createApp } from './test-app.js';

class Deposit {
  constructor(readonly amount: number) {}
}
class GetBalance extends Query<number> {}
class Withdraw {}

const middlewareInstances = new Set<object>();

/** Not provided by any module: each application instantiates its own. */
@Injectable()
class Counting implements CqrsMiddleware {
  handle(_message: object, next: Next) {
    middlewareInstances.add(this);
    return next();
  }
}

@Injectable()
class Account {
  balance = 0;
}

@CommandHandler(Deposit)
@UseMiddleware(Counting)
class DepositHandler {
  constructor(private readonly account: Account) {}

  execute(command: Deposit) {
    this.account.balance += command.amount;
  }
}

@QueryHandler(GetBalance)
class GetBalanceHandler {
  constructor(private readonly account: Account) {}

  execute() {
    return this.account.balance;
  }
}

@CommandHandler(Withdraw)
class WithdrawHandler {
  execute() {}
}

@Module({ providers: [Account, DepositHandler, GetBalanceHandler] })
class AccountsModule {}

@Module({ providers: [WithdrawHandler] })
class WithdrawalsModule {}

let first: INestApplication;
let second: INestApplication;

beforeEach(async () => {
  middlewareInstances.clear();
  first = await createApp({ imports: [CqrsLiteModule.forRoot(), AccountsModule] });
  // The same handler classes again, plus one the first application does not have.
  second = await createApp({ imports: [CqrsLiteModule.forRoot(), AccountsModule, WithdrawalsModule] });
});

afterEach(async () => {
  await first.close();
  await second.close();
});

describe('two applications in one process', () => {
  it('N7: each application has its own buses', () => {
    expect(first.get(CommandBus)).not.toBe(second.get(CommandBus));
    expect(first.get(QueryBus)).not.toBe(second.get(QueryBus));
    expect(first.get(CommandBus)).not.toBe(defaultCommandBus);
    expect(first.get(QueryBus)).not.toBe(defaultQueryBus);
  });

  it('N7: the same handler classes in both applications are not duplicates, and each dispatch stays in its application', async () => {
    await first.get(CommandBus).dispatch(new Deposit(10));
    await second.get(CommandBus).dispatch(new Deposit(3));
    await second.get(CommandBus).dispatch(new Deposit(4));

    await expect(first.get(QueryBus).ask(new GetBalance())).resolves.toBe(10);
    await expect(second.get(QueryBus).ask(new GetBalance())).resolves.toBe(7);
  });

  it('N7: registrations are per application', async () => {
    expect(first.get(CommandBus).has(Withdraw)).toBe(false);
    expect(second.get(CommandBus).has(Withdraw)).toBe(true);
    expect(
      first
        .get(CommandBus)
        .registrations()
        .map((r) => r.handler),
    ).toEqual(['DepositHandler']);
    expect(
      second
        .get(CommandBus)
        .registrations()
        .map((r) => r.handler)
        .sort(),
    ).toEqual(['DepositHandler', 'WithdrawHandler']);

    await expect(first.get(CommandBus).dispatch(new Withdraw())).rejects.toBeInstanceOf(HandlerNotFoundError);
    await expect(second.get(CommandBus).dispatch(new Withdraw())).resolves.toBeUndefined();
  });

  it('N7: a Nest application registers nothing on the process-wide default buses', () => {
    expect(defaultCommandBus.has(Deposit)).toBe(false);
    expect(defaultCommandBus.has(Withdraw)).toBe(false);
    expect(defaultQueryBus.has(GetBalance)).toBe(false);
  });

  it('N7: a middleware class that no module provides is instantiated per application', async () => {
    await first.get(CommandBus).dispatch(new Deposit(1));
    await first.get(CommandBus).dispatch(new Deposit(1));
    await second.get(CommandBus).dispatch(new Deposit(1));

    expect(middlewareInstances.size).toBe(2);
  });

  it('N7: closing one application leaves the other working', async () => {
    await first.close();
    await second.get(CommandBus).dispatch(new Deposit(5));
    await expect(second.get(QueryBus).ask(new GetBalance())).resolves.toBe(5);

    // Re-create so that afterEach can close it again.
    first = await createApp({ imports: [CqrsLiteModule.forRoot(), AccountsModule] });
  });
});
