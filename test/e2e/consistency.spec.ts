import type Database from 'better-sqlite3';
import { plainToInstance } from 'class-transformer';
import { CommandBus } from 'nestjs-cqrs-lite';
import { PlaceOrder } from '../../sample-app/src/orders/commands/place-order.command.js';
import { API_KEY, inspect, startApp, temporaryDatabase, type RunningApp } from './support/sample-app.js';

const db = temporaryDatabase();
let sample: RunningApp;

beforeAll(async () => {
  sample = await startApp(db.path);
});
afterAll(async () => {
  await sample.close();
  db.remove();
});

type Line = { sku: string; quantity: number; priceCents: number };

const registerUser = (userId: string) =>
  sample.http
    .post('/users')
    .set('x-api-key', API_KEY)
    .send({ userId, email: `${userId}@example.com`, name: userId })
    .expect(201);
const placeOrder = (userId: string, orderId: string, items: Line[]) =>
  sample.http.post(`/users/${userId}/orders`).set('x-api-key', API_KEY).send({ orderId, items });
const cancel = (userId: string, orderId: string) =>
  sample.http.post(`/users/${userId}/orders/${orderId}/cancel`).set('x-api-key', API_KEY);

/** Rows the write model holds for one order id, straight from the committed database. */
const traceOf = (orderId: string) =>
  inspect(db.path, (conn: Database.Database) => ({
    orders: conn.prepare('SELECT COUNT(*) AS n FROM orders WHERE order_id = ?').get(orderId),
    items: conn.prepare('SELECT COUNT(*) AS n FROM order_items WHERE order_id = ?').get(orderId),
    summaries: conn.prepare('SELECT COUNT(*) AS n FROM order_summaries WHERE order_id = ?').get(orderId),
  }));

/** The read model's numbers next to the same numbers computed from the write model. */
async function expectReadModelToAgree(userId: string): Promise<{ orderCount: number; totalCents: number }> {
  const profile = (await sample.http.get(`/users/${userId}`).expect(200)).body;
  const listed = (await sample.http.get(`/users/${userId}/orders`).expect(200)).body as {
    totalCents: number;
    status: string;
  }[];
  const fromOrders = inspect(db.path, (conn) =>
    conn
      .prepare(
        `SELECT COUNT(*) AS orderCount, COALESCE(SUM(total_cents), 0) AS totalCents
         FROM orders WHERE user_id = ? AND status = 'placed'`,
      )
      .get(userId),
  );
  const fromItems = inspect(db.path, (conn) =>
    conn
      .prepare(
        `SELECT COALESCE(SUM(i.quantity * i.price_cents), 0) AS totalCents
         FROM order_items i JOIN orders o ON o.order_id = i.order_id
         WHERE o.user_id = ? AND o.status = 'placed'`,
      )
      .get(userId),
  );
  const placed = listed.filter((o) => o.status === 'placed');
  const fromList = {
    orderCount: placed.length,
    totalCents: placed.reduce((sum, o) => sum + o.totalCents, 0),
  };
  const fromReadModel = { orderCount: profile.orderCount, totalCents: profile.totalCents };
  expect(fromReadModel).toEqual(fromOrders);
  expect(fromReadModel).toEqual(fromList);
  expect(fromReadModel.totalCents).toBe((fromItems as { totalCents: number }).totalCents);
  return fromReadModel;
}

describe('a command applies completely or leaves no trace', () => {
  it('an order whose second line violates a constraint is rolled back entirely (409)', async () => {
    await registerUser('half');
    await placeOrder('half', 'ok-1', [{ sku: 'A', quantity: 1, priceCents: 300 }]).expect(201);
    const before = await expectReadModelToAgree('half');

    // The handler writes the order row, then the lines: the second line repeats the SKU and
    // violates order_items' primary key half-way through the command, before OrderPlaced is
    // published (a failing event handler rolls back the same way: see events.spec.ts).
    const res = await placeOrder('half', 'broken', [
      { sku: 'DUP', quantity: 1, priceCents: 1000 },
      { sku: 'DUP', quantity: 2, priceCents: 1000 },
    ]);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');

    expect(traceOf('broken')).toEqual({ orders: { n: 0 }, items: { n: 0 }, summaries: { n: 0 } });
    expect(await expectReadModelToAgree('half')).toEqual(before);
    const listed = await sample.http.get('/users/half/orders').expect(200);
    expect(listed.body.map((o: { orderId: string }) => o.orderId)).toEqual(['ok-1']);

    // Nothing left behind: the same order id is free for a valid order.
    await placeOrder('half', 'broken', [{ sku: 'DUP', quantity: 3, priceCents: 1000 }]).expect(201);
    expect(await expectReadModelToAgree('half')).toEqual({ orderCount: 2, totalCents: 3300 });
  });

  it('a rolled-back command does not disturb the next one (the connection is not left in a transaction)', async () => {
    await registerUser('after');
    await placeOrder('after', 'after-bad', [
      { sku: 'X', quantity: 1, priceCents: 1 },
      { sku: 'X', quantity: 1, priceCents: 1 },
    ]).expect(409);
    await placeOrder('after', 'after-ok', [{ sku: 'X', quantity: 1, priceCents: 1 }]).expect(201);
    // Committed, so a separate connection sees it.
    expect(traceOf('after-ok')).toEqual({ orders: { n: 1 }, items: { n: 1 }, summaries: { n: 1 } });
  });
});

describe('the read model agrees with the orders', () => {
  it('after creates and cancels: cancelled orders count in neither orderCount nor totalCents', async () => {
    await registerUser('reader');
    expect(await expectReadModelToAgree('reader')).toEqual({ orderCount: 0, totalCents: 0 });

    await placeOrder('reader', 'r-1', [{ sku: 'A', quantity: 2, priceCents: 500 }]).expect(201);
    await placeOrder('reader', 'r-2', [
      { sku: 'A', quantity: 1, priceCents: 250 },
      { sku: 'B', quantity: 4, priceCents: 25 },
    ]).expect(201);
    await placeOrder('reader', 'r-3', [{ sku: 'C', quantity: 1, priceCents: 7 }]).expect(201);
    expect(await expectReadModelToAgree('reader')).toEqual({ orderCount: 3, totalCents: 1000 + 350 + 7 });

    await cancel('reader', 'r-2').expect(200);
    expect(await expectReadModelToAgree('reader')).toEqual({ orderCount: 2, totalCents: 1007 });

    await cancel('reader', 'r-2').expect(409); // a second cancel must not subtract twice
    await cancel('reader', 'r-1').expect(200);
    await cancel('reader', 'r-3').expect(200);
    expect(await expectReadModelToAgree('reader')).toEqual({ orderCount: 0, totalCents: 0 });
  });

  it('under concurrent writes, including failing ones', async () => {
    await registerUser('busy');
    const requests = [];
    for (let i = 0; i < 40; i++) {
      const items =
        i % 5 === 4
          ? [
              { sku: 'S', quantity: 1, priceCents: i },
              { sku: 'S', quantity: 1, priceCents: i },
            ] // fails half-way
          : [{ sku: 'S', quantity: 1 + (i % 3), priceCents: 100 + i }];
      requests.push(placeOrder('busy', `busy-${i}`, items));
    }
    const statuses = (await Promise.all(requests)).map((res) => res.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(32);
    expect(statuses.filter((s) => s === 409)).toHaveLength(8);

    const cancels = await Promise.all([0, 1, 2, 3, 5, 5, 5].map((i) => cancel('busy', `busy-${i}`)));
    expect(cancels.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 409, 409]);

    const totals = await expectReadModelToAgree('busy');
    expect(totals.orderCount).toBe(32 - 5);
  });
});

describe('transactions never interleave on the shared connection', () => {
  it('commands dispatched in the same tick run one after another, each all-or-nothing', async () => {
    await registerUser('tick');
    const bus = sample.app.get(CommandBus);
    const options = { headers: { 'x-api-key': API_KEY } };
    const order = (orderId: string, items: Line[]) =>
      bus.dispatch(plainToInstance(PlaceOrder, { userId: 'tick', orderId, items }), options);
    // Without serialization the second BEGIN would run while the first transaction is open.
    const results = await Promise.allSettled([
      order('t-1', [{ sku: 'A', quantity: 1, priceCents: 10 }]),
      order('t-2', [
        { sku: 'A', quantity: 1, priceCents: 20 },
        { sku: 'A', quantity: 1, priceCents: 20 },
      ]),
      order('t-3', [{ sku: 'A', quantity: 1, priceCents: 30 }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(traceOf('t-2')).toEqual({ orders: { n: 0 }, items: { n: 0 }, summaries: { n: 0 } });
    expect(await expectReadModelToAgree('tick')).toEqual({ orderCount: 2, totalCents: 40 });
  });
});
