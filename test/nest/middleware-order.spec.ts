import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { IsString } from 'class-validator';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  MessageValidationError,
  Query,
  QueryBus,
  QueryHandler,
  UseMiddleware,
  type CqrsMiddleware,
  type Next,
} from '../../lib/index.js';
import { createApp } from './test-app.js';

const log: string[] = [];

/** Records entry and exit, so the test sees both the order in and the order out. */
async function around(tag: string, next: Next) {
  log.push(`>${tag}`);
  const result = await next();
  log.push(`<${tag}`);
  return result;
}

@Injectable()
class Outer implements CqrsMiddleware {
  handle(_message: object, next: Next) {
    return around('Outer', next);
  }
}

/** Provided under a string token; reported under its class name. */
class SecondOuter implements CqrsMiddleware {
  handle(_message: object, next: Next) {
    return around('SecondOuter', next);
  }
}

function commandsOnly(_message: object, next: Next) {
  return around('commandsOnly', next);
}

function queriesOnly(_message: object, next: Next) {
  return around('queriesOnly', next);
}

@Injectable()
class First implements CqrsMiddleware {
  handle(_message: object, next: Next) {
    return around('First', next);
  }
}

@Injectable()
class Second implements CqrsMiddleware {
  handle(_message: object, next: Next) {
    return around('Second', next);
  }
}

function third(_message: object, next: Next) {
  return around('third', next);
}

class PlaceOrder {}
class GetOrder extends Query<string> {}

@CommandHandler(PlaceOrder)
@UseMiddleware(First, Second)
@UseMiddleware(third)
class PlaceOrderHandler {
  execute() {
    log.push('PlaceOrderHandler');
  }
}

@QueryHandler(GetOrder)
@UseMiddleware(third, First)
class GetOrderHandler {
  execute() {
    log.push('GetOrderHandler');
    return 'order-1';
  }
}

@Module({
  providers: [PlaceOrderHandler, GetOrderHandler, Outer, { provide: 'SECOND_OUTER', useClass: SecondOuter }],
})
class OrdersModule {}

let app: INestApplication;

beforeAll(async () => {
  app = await createApp({
    imports: [
      CqrsLiteModule.forRoot({
        middleware: [Outer, 'SECOND_OUTER'],
        commandMiddleware: [commandsOnly],
        queryMiddleware: [queriesOnly],
        // Keep §9 out of this test: only the middleware named here is in the chain.
        validation: false,
      }),
      OrdersModule,
    ],
  });
});

afterAll(() => app.close());

beforeEach(() => {
  log.length = 0;
});

describe('middleware order', () => {
  it('N5: a command runs middleware, then commandMiddleware, then @UseMiddleware in written order, then the handler', async () => {
    await app.get(CommandBus).dispatch(new PlaceOrder());

    expect(log).toEqual([
      '>Outer',
      '>SecondOuter',
      '>commandsOnly',
      '>First',
      '>Second',
      '>third',
      'PlaceOrderHandler',
      '<third',
      '<Second',
      '<First',
      '<commandsOnly',
      '<SecondOuter',
      '<Outer',
    ]);
  });

  it('N5: a query runs middleware, then queryMiddleware (not commandMiddleware), then its own middleware', async () => {
    await expect(app.get(QueryBus).ask(new GetOrder())).resolves.toBe('order-1');

    expect(log).toEqual([
      '>Outer',
      '>SecondOuter',
      '>queriesOnly',
      '>third',
      '>First',
      'GetOrderHandler',
      '<First',
      '<third',
      '<queriesOnly',
      '<SecondOuter',
      '<Outer',
    ]);
  });

  it('N5: registrations() lists each chain by name in execution order', () => {
    expect(app.get(CommandBus).registrations()).toEqual([
      {
        messageType: PlaceOrder,
        messageName: 'PlaceOrder',
        handler: 'PlaceOrderHandler',
        middleware: ['Outer', 'SecondOuter', 'commandsOnly', 'First', 'Second', 'third'],
      },
    ]);
    expect(app.get(QueryBus).registrations()).toEqual([
      {
        messageType: GetOrder,
        messageName: 'GetOrder',
        handler: 'GetOrderHandler',
        middleware: ['Outer', 'SecondOuter', 'queriesOnly', 'third', 'First'],
      },
    ]);
  });
});

describe('middleware order with validation on', () => {
  class Rename {
    @IsString()
    name!: unknown;
  }

  const seenByOuter: unknown[] = [];
  function outer(message: object, next: Next) {
    seenByOuter.push((message as Rename).name);
    return next();
  }

  /** Handler middleware that turns a numeric name into a string, and 'break' into a number. */
  function normalize(message: object, next: Next) {
    const { name } = message as Rename;
    const fixed = Object.assign(new Rename(), { name: name === 'break' ? 0 : String(name) });
    return next(fixed);
  }

  const received: unknown[] = [];
  @CommandHandler(Rename)
  @UseMiddleware(normalize)
  class RenameHandler {
    execute(command: Rename) {
      received.push(command.name);
    }
  }

  let validating: INestApplication;

  beforeAll(async () => {
    validating = await createApp({
      imports: [CqrsLiteModule.forRoot({ middleware: [outer], validation: true })],
      providers: [RenameHandler],
    });
  });

  afterAll(() => validating.close());

  it('N5: validation runs after @UseMiddleware, on what the handler will receive', async () => {
    await validating.get(CommandBus).dispatch(Object.assign(new Rename(), { name: 42 }));

    // Invalid as dispatched, valid after the handler's middleware: accepted.
    expect(seenByOuter).toEqual([42]);
    expect(received).toEqual(['42']);
  });

  it('N5: a message broken by @UseMiddleware is rejected before the handler runs', async () => {
    received.length = 0;
    const dispatched = validating.get(CommandBus).dispatch(Object.assign(new Rename(), { name: 'break' }));

    await expect(dispatched).rejects.toBeInstanceOf(MessageValidationError);
    expect(received).toEqual([]);
  });
});
