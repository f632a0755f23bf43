import { Module, Scope } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsError,
  CqrsLiteModule,
  DuplicateHandlerError,
  InvalidHandlerError,
  Query,
  QueryBus,
  QueryHandler,
} from '../../lib/index.js';
import { createApp, initError } from './test-app.js';

class ShipOrder {}
class GetOrder extends Query<string> {}

@CommandHandler(ShipOrder)
class ShipOrderHandler {
  execute() {}
}

@CommandHandler(ShipOrder)
class ExpressShipOrderHandler {
  execute() {}
}

@CommandHandler(ShipOrder, { scope: Scope.REQUEST })
class ScopedShipOrderHandler {
  execute() {}
}

@QueryHandler(GetOrder)
class GetOrderHandler {
  execute() {
    return 'a';
  }
}

@QueryHandler(GetOrder)
class CachedGetOrderHandler {
  execute() {
    return 'b';
  }
}

@Module({ providers: [ShipOrderHandler, GetOrderHandler] })
class OrdersModule {}

@Module({ providers: [ExpressShipOrderHandler] })
class ExpressModule {}

@Module({ providers: [CachedGetOrderHandler] })
class CacheModule {}

@Module({ providers: [ScopedShipOrderHandler] })
class ScopedModule {}

describe('duplicate handlers', () => {
  it('N3: two command handlers for one type in two modules fail init with DuplicateHandlerError naming both', async () => {
    const error = await initError({ imports: [CqrsLiteModule.forRoot(), OrdersModule, ExpressModule] });

    expect(error).toBeInstanceOf(DuplicateHandlerError);
    expect(error).toBeInstanceOf(CqrsError);
    const duplicate = error as DuplicateHandlerError;
    expect(duplicate.code).toBe('CQRS_DUPLICATE_HANDLER');
    expect(duplicate.messageType).toBe(ShipOrder);
    expect(duplicate.message).toContain('ShipOrder');
    expect(duplicate.message).toContain('ShipOrderHandler');
    expect(duplicate.message).toContain('ExpressShipOrderHandler');
    expect([duplicate.existingHandler, duplicate.rejectedHandler].sort()).toEqual([
      'ExpressShipOrderHandler',
      'ShipOrderHandler',
    ]);
  });

  it('N3: two query handlers for one type fail init with DuplicateHandlerError naming both', async () => {
    const error = await initError({ imports: [CqrsLiteModule.forRoot(), OrdersModule, CacheModule] });

    expect(error).toBeInstanceOf(DuplicateHandlerError);
    const duplicate = error as DuplicateHandlerError;
    expect(duplicate.messageType).toBe(GetOrder);
    expect(duplicate.message).toContain('GetOrderHandler');
    expect(duplicate.message).toContain('CachedGetOrderHandler');
  });

  it('N3: a request-scoped duplicate is named by its class too', async () => {
    const error = await initError({ imports: [CqrsLiteModule.forRoot(), OrdersModule, ScopedModule] });

    expect(error).toBeInstanceOf(DuplicateHandlerError);
    const duplicate = error as DuplicateHandlerError;
    expect([duplicate.existingHandler, duplicate.rejectedHandler].sort()).toEqual([
      'ScopedShipOrderHandler',
      'ShipOrderHandler',
    ]);
  });

  it('N3: a command handler and a query handler for the same class are not duplicates', async () => {
    // Each bus has its own registry.
    class Both {}
    @CommandHandler(Both)
    class BothCommandHandler {
      execute() {}
    }
    @QueryHandler(Both)
    class BothQueryHandler {
      execute() {
        return 1;
      }
    }
    @Module({ providers: [BothCommandHandler, BothQueryHandler] })
    class Mixed {}

    const app = await createApp({ imports: [CqrsLiteModule.forRoot(), Mixed] });
    try {
      await expect(app.get(CommandBus).dispatch(new Both())).resolves.toBeUndefined();
      await expect(app.get(QueryBus).ask(new Both())).resolves.toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe('invalid handlers', () => {
  it('N3: a @CommandHandler class without execute() fails init with InvalidHandlerError naming the class', async () => {
    // @ts-expect-error -- the type check catches this too; here the run-time check is under test
    @CommandHandler(ShipOrder)
    class NoExecuteHandler {
      run() {}
    }
    @Module({ providers: [NoExecuteHandler] })
    class BrokenModule {}

    const error = await initError({ imports: [CqrsLiteModule.forRoot(), BrokenModule] });

    expect(error).toBeInstanceOf(InvalidHandlerError);
    expect((error as InvalidHandlerError).code).toBe('CQRS_INVALID_HANDLER');
    expect((error as Error).message).toContain('NoExecuteHandler');
    expect((error as Error).message).toContain('execute');
  });

  it('N3: a @QueryHandler class without execute() fails init with InvalidHandlerError', async () => {
    // @ts-expect-error -- the type check catches this too; here the run-time check is under test
    @QueryHandler(GetOrder)
    class NoExecuteQueryHandler {}
    @Module({ providers: [NoExecuteQueryHandler] })
    class BrokenModule {}

    const error = await initError({ imports: [CqrsLiteModule.forRoot(), BrokenModule] });

    expect(error).toBeInstanceOf(InvalidHandlerError);
    expect((error as Error).message).toContain('NoExecuteQueryHandler');
  });

  it('N3: a request-scoped handler without execute() fails init, not at its first dispatch', async () => {
    // @ts-expect-error -- the type check catches this too; here the run-time check is under test
    @CommandHandler(ShipOrder, { scope: Scope.REQUEST })
    class ScopedNoExecuteHandler {}
    @Module({ providers: [ScopedNoExecuteHandler] })
    class BrokenModule {}

    const error = await initError({ imports: [CqrsLiteModule.forRoot(), BrokenModule] });

    expect(error).toBeInstanceOf(InvalidHandlerError);
    expect((error as Error).message).toContain('ScopedNoExecuteHandler');
  });

  it('N3: a factory provider returning an instance of a decorated class without execute() fails init', async () => {
    // @ts-expect-error -- the type check catches this too; here the run-time check is under test
    @QueryHandler(GetOrder)
    class FactoryMadeHandler {}
    @Module({ providers: [{ provide: 'MADE', useFactory: () => new FactoryMadeHandler() }] })
    class BrokenModule {}

    const error = await initError({ imports: [CqrsLiteModule.forRoot(), BrokenModule] });

    expect(error).toBeInstanceOf(InvalidHandlerError);
    expect((error as Error).message).toContain('FactoryMadeHandler');
  });
});
