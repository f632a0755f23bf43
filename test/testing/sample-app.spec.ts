/**
 * The test helpers used the way their documentation shows, on the sample app's own classes:
 * controllers unit-tested with the bus doubles in Nest's DI, and a command handler run with its
 * real transaction middleware on an in-memory database, without booting the application.
 */
import { Test } from '@nestjs/testing';
import { plainToInstance } from 'class-transformer';
import { CommandBus, QueryBus } from 'nestjs-cqrs-lite';
import { openDatabase } from '../../sample-app/src/database/open-database.js';
import { TransactionMiddleware } from '../../sample-app/src/middleware/transaction.middleware.js';
import { PlaceOrder } from '../../sample-app/src/orders/commands/place-order.command.js';
import { PlaceOrderHandler } from '../../sample-app/src/orders/handlers/place-order.handler.js';
import { OrdersController } from '../../sample-app/src/orders/orders.controller.js';
import { ListOrders } from '../../sample-app/src/orders/queries/list-orders.query.js';
import { ReadModelProjector } from '../../sample-app/src/read-model/read-model.projector.js';
import { RegisterUser } from '../../sample-app/src/users/commands/register-user.command.js';
import { GetUserProfile } from '../../sample-app/src/users/queries/get-user-profile.query.js';
import { UsersController } from '../../sample-app/src/users/users.controller.js';
import { RecordingCommandBus, StubQueryBus, runHandler } from '../../lib/testing/index.js';

describe('testing helpers on the sample app: controllers with bus doubles', () => {
  async function controllers() {
    const commands = new RecordingCommandBus();
    const queries = new StubQueryBus();
    const moduleRef = await Test.createTestingModule({
      controllers: [UsersController, OrdersController],
      providers: [
        { provide: CommandBus, useValue: commands },
        { provide: QueryBus, useValue: queries },
      ],
    }).compile();
    return {
      users: moduleRef.get(UsersController),
      orders: moduleRef.get(OrdersController),
      commands,
      queries,
    };
  }

  it('UsersController.register dispatches RegisterUser with the request options and only the known fields', async () => {
    const { users, commands } = await controllers();
    const body = { userId: 'u1', email: 'ann@example.com', name: 'Ann', admin: true } as never;

    await expect(users.register(body, { correlationId: 'req-1' })).resolves.toEqual({ userId: 'u1' });

    expect(commands.dispatched).toEqual([
      plainToInstance(RegisterUser, { userId: 'u1', email: 'ann@example.com', name: 'Ann' }),
    ]);
    expect(commands.dispatchedOf(RegisterUser)[0]).not.toHaveProperty('admin');
    expect(commands.records[0]?.options).toEqual({ correlationId: 'req-1' });
  });

  it('UsersController.profile answers what the query bus answers, for the user in the URL', async () => {
    const { users, queries } = await controllers();
    queries.stub(GetUserProfile, (q) => ({
      userId: q.userId,
      email: 'ann@example.com',
      name: 'Ann',
      orderCount: 0,
      totalCents: 0,
    }));

    await expect(users.profile('u1', {})).resolves.toMatchObject({ userId: 'u1', name: 'Ann' });
    expect(queries.askedOf(GetUserProfile).map((q) => q.userId)).toEqual(['u1']);
  });

  it('OrdersController.place dispatches PlaceOrder and answers with its total; a failing command fails the call', async () => {
    const { orders, commands } = await controllers();
    const body = { orderId: 'o1', items: [{ sku: 'BOOK', quantity: 2, priceCents: 1250 }] };

    await expect(orders.place('u1', body, {})).resolves.toEqual({ orderId: 'o1', totalCents: 2500 });
    expect(commands.dispatchedOf(PlaceOrder).map((c) => [c.userId, c.orderId])).toEqual([['u1', 'o1']]);

    const refused = new Error('order exists');
    commands.register(PlaceOrder, () => {
      throw refused;
    });
    await expect(orders.place('u1', body, {})).rejects.toBe(refused);
  });

  it('OrdersController.list asks ListOrders for the user in the URL', async () => {
    const { orders, queries } = await controllers();
    queries.stubResult(ListOrders, []);
    await expect(orders.list('u2', {})).resolves.toEqual([]);
    expect(queries.asked).toEqual([new ListOrders('u2')]);
  });
});

describe('testing helpers on the sample app: one handler with its real middleware', () => {
  function placeOrder(orderId: string, items: Array<{ sku: string; quantity: number; priceCents: number }>) {
    return plainToInstance(PlaceOrder, { userId: 'u1', orderId, items });
  }

  it('PlaceOrderHandler inside TransactionMiddleware: a failure at its last statement leaves no trace', async () => {
    const db = openDatabase(':memory:');
    try {
      const readModel = new ReadModelProjector(db);
      db.prepare(
        `INSERT INTO users (user_id, email, name, created_at) VALUES ('u1', 'a@example.com', 'Ann', 'now')`,
      ).run();
      readModel.userRegistered({ userId: 'u1', email: 'a@example.com', name: 'Ann' });
      const run = (command: PlaceOrder) =>
        runHandler(new PlaceOrderHandler(db, readModel), command, {
          middleware: [new TransactionMiddleware(db)],
        });

      await run(placeOrder('o1', [{ sku: 'A', quantity: 1, priceCents: 100 }]));
      // The same SKU twice violates order_items' primary key at the second line.
      const duplicateLine = { sku: 'B', quantity: 1, priceCents: 100 };
      // Matched by message, not with toThrow: in a Jest worker, better-sqlite3's native error class
      // belongs to the first test file's realm, so its errors are not `instanceof Error` here.
      await expect(run(placeOrder('o2', [duplicateLine, duplicateLine]))).rejects.toMatchObject({
        message: expect.stringMatching(/UNIQUE|PRIMARY/i),
      });

      const count = (table: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect([count('orders'), count('order_items'), count('order_summaries')]).toEqual([1, 1, 1]);
    } finally {
      db.close();
    }
  });
});
