/**
 * The test helpers used the way their documentation shows, on the sample app's own classes:
 * controllers unit-tested with the bus doubles in Nest's DI, and a command handler run with its
 * real transaction middleware on an in-memory database, without booting the application.
 */
import { Test } from '@nestjs/testing';
import { plainToInstance } from 'class-transformer';
import { CommandBus, EventBus, QueryBus } from 'nestjs-cqrs-lite';
import { openDatabase } from '../../sample-app/src/database/open-database.js';
import { TransactionMiddleware } from '../../sample-app/src/middleware/transaction.middleware.js';
import { PlaceOrder } from '../../sample-app/src/orders/commands/place-order.command.js';
import { PlaceOrderHandler } from '../../sample-app/src/orders/handlers/place-order.handler.js';
import { OrdersController } from '../../sample-app/src/orders/orders.controller.js';
import { ListOrders } from '../../sample-app/src/orders/queries/list-orders.query.js';
import { OrderAuditLog } from '../../sample-app/src/orders/audit/order-audit-log.handler.js';
import { OrderPlaced } from '../../sample-app/src/orders/events/order-placed.event.js';
import { OrderSummaryProjection } from '../../sample-app/src/read-model/order-summary.projection.js';
import { UserSummaryProjection } from '../../sample-app/src/read-model/user-summary.projection.js';
import { UserRegistered } from '../../sample-app/src/users/events/user-registered.event.js';
import { RegisterUser } from '../../sample-app/src/users/commands/register-user.command.js';
import { GetUserProfile } from '../../sample-app/src/users/queries/get-user-profile.query.js';
import { UsersController } from '../../sample-app/src/users/users.controller.js';
import {
  RecordingCommandBus,
  RecordingEventBus,
  StubQueryBus,
  createMessageContext,
  runHandler,
} from 'nestjs-cqrs-lite/testing';

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

  it('PlaceOrderHandler publishes OrderPlaced caused by its command, without running the read model', async () => {
    const db = openDatabase(':memory:');
    try {
      db.prepare(
        `INSERT INTO users (user_id, email, name, created_at) VALUES ('u1', 'a@example.com', 'Ann', 'now')`,
      ).run();
      const events = new RecordingEventBus();
      const command = placeOrder('o1', [{ sku: 'A', quantity: 2, priceCents: 150 }]);
      const context = createMessageContext(command, { correlationId: 'req-1' });

      await new PlaceOrderHandler(db, events).execute(command, context);

      expect(events.published).toEqual([new OrderPlaced('o1', 'u1', 300, expect.any(String))]);
      expect(events.records[0]!.context).toMatchObject({ causationId: context.id, correlationId: 'req-1' });
      // Only the write model changed: the read model's handlers did not run.
      const count = (table: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect([count('orders'), count('order_items'), count('order_summaries')]).toEqual([1, 1, 0]);
    } finally {
      db.close();
    }
  });

  it('PlaceOrderHandler inside TransactionMiddleware: a failure at its last statement leaves no trace', async () => {
    const db = openDatabase(':memory:');
    try {
      // The real event handlers on a bus of their own, as the module would subscribe them.
      const events = new EventBus();
      const readModel = new OrderSummaryProjection(db);
      events.subscribe(UserRegistered, new UserSummaryProjection(db));
      events.subscribe(OrderPlaced, readModel);
      events.subscribe(OrderPlaced, new OrderAuditLog(db));
      db.prepare(
        `INSERT INTO users (user_id, email, name, created_at) VALUES ('u1', 'a@example.com', 'Ann', 'now')`,
      ).run();
      await events.publish(new UserRegistered('u1', 'a@example.com', 'Ann'));
      const run = (command: PlaceOrder) =>
        runHandler(new PlaceOrderHandler(db, events), command, {
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
      expect([
        count('orders'),
        count('order_items'),
        count('order_summaries'),
        count('order_audit_log'),
      ]).toEqual([1, 1, 1, 1]);
    } finally {
      db.close();
    }
  });
});
