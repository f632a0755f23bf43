/**
 * The sample app's events over HTTP: command handlers publish `UserRegistered`, `OrderPlaced` and
 * `OrderCancelled`; two independent handlers of the order events (the read model's projection and
 * the audit log) both see each one, inside the command's transaction.
 */
import type Database from 'better-sqlite3';
import { EventBus, EventHandlerError } from 'nestjs-cqrs-lite';
import { OrderPlaced } from '../../sample-app/src/orders/events/order-placed.event.js';
import { API_KEY, inspect, startApp, temporaryDatabase, type RunningApp } from './support/sample-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const db = temporaryDatabase();
let sample: RunningApp;

beforeAll(async () => {
  sample = await startApp(db.path);
});
afterAll(async () => {
  await sample.close();
  db.remove();
});

const registerUser = (userId: string) =>
  sample.http
    .post('/users')
    .set('x-api-key', API_KEY)
    .send({ userId, email: `${userId}@example.com`, name: userId })
    .expect(201);
const placeOrder = (userId: string, orderId: string, requestId: string) =>
  sample.http
    .post(`/users/${userId}/orders`)
    .set('x-api-key', API_KEY)
    .set('x-request-id', requestId)
    .send({ orderId, items: [{ sku: 'BOOK', quantity: 2, priceCents: 1250 }] });

/** Rows every side holds for one order id, straight from the committed database. */
const rowsOf = (orderId: string) =>
  inspect(db.path, (conn: Database.Database) =>
    Object.fromEntries(
      ['orders', 'order_items', 'order_summaries', 'order_audit_log'].map((table) => [
        table,
        (conn.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE order_id = ?`).get(orderId) as { n: number })
          .n,
      ]),
    ),
  );

describe('events in the sample app', () => {
  it('OrderPlaced fans out: the read model and the audit log both record the order', async () => {
    await registerUser('fan');
    await placeOrder('fan', 'fan-1', 'req-place-fan-1').expect(201);

    const listed = (await sample.http.get('/users/fan/orders').expect(200)).body;
    expect(listed).toEqual([
      expect.objectContaining({ orderId: 'fan-1', totalCents: 2500, status: 'placed' }),
    ]);
    const audit = (await sample.http.get('/users/fan/orders/fan-1/audit').expect(200)).body;
    expect(audit).toEqual([
      {
        event: 'OrderPlaced',
        correlationId: 'req-place-fan-1',
        causationId: expect.stringMatching(UUID),
        recordedAt: expect.any(String),
      },
    ]);
    expect(rowsOf('fan-1')).toEqual({ orders: 1, order_items: 1, order_summaries: 1, order_audit_log: 1 });
  });

  it('OrderCancelled reaches both handlers too, each event caused by its own command', async () => {
    await registerUser('canceller');
    await placeOrder('canceller', 'c-1', 'req-place-c-1').expect(201);
    await sample.http
      .post('/users/canceller/orders/c-1/cancel')
      .set('x-api-key', API_KEY)
      .set('x-request-id', 'req-cancel-c-1')
      .expect(200);

    const profile = (await sample.http.get('/users/canceller').expect(200)).body;
    expect(profile).toMatchObject({ orderCount: 0, totalCents: 0 });
    const audit = (await sample.http.get('/users/canceller/orders/c-1/audit').expect(200)).body;
    expect(
      audit.map((entry: { event: string; correlationId: string }) => [entry.event, entry.correlationId]),
    ).toEqual([
      ['OrderPlaced', 'req-place-c-1'],
      ['OrderCancelled', 'req-cancel-c-1'],
    ]);
    expect(audit[0].causationId).toMatch(UUID);
    expect(audit[1].causationId).toMatch(UUID);
    expect(audit[1].causationId).not.toBe(audit[0].causationId);
  });

  it("an order's audit log of another user, or of no order, is 404", async () => {
    await registerUser('owner');
    await placeOrder('owner', 'owned-1', 'req-owned').expect(201);
    await sample.http.get('/users/someone-else/orders/owned-1/audit').expect(404);
    await sample.http.get('/users/owner/orders/nothing/audit').expect(404);
  });

  it('a failing event handler rolls the whole command back: no order, no lines, no read model, no audit', async () => {
    await registerUser('rollback');
    const failure = new Error('mail server down');
    const unsubscribe = sample.app.get(EventBus).subscribe(OrderPlaced, function notifyWarehouse() {
      throw failure;
    });
    try {
      const res = await placeOrder('rollback', 'rb-1', 'req-rollback');
      expect(res.status).toBe(500);
    } finally {
      unsubscribe();
    }

    // The other handlers ran (a failing handler never stops the others), inside the transaction
    // that the failure rolled back.
    expect(rowsOf('rb-1')).toEqual({ orders: 0, order_items: 0, order_summaries: 0, order_audit_log: 0 });
    const profile = (await sample.http.get('/users/rollback').expect(200)).body;
    expect(profile).toMatchObject({ orderCount: 0, totalCents: 0 });
    const failed = sample.logger.lines.filter(
      (line) => line.includes('correlationId=req-rollback') && line.includes('failed'),
    );
    expect(failed).toEqual([
      expect.stringMatching(/event OrderPlaced .*failed: Error: mail server down/),
      expect.stringMatching(new RegExp(`command PlaceOrder .*failed: ${EventHandlerError.name}`)),
    ]);

    // Nothing left behind: the same order id is free once the failing handler is gone.
    await placeOrder('rollback', 'rb-1', 'req-rollback-2').expect(201);
    expect(rowsOf('rb-1')).toEqual({ orders: 1, order_items: 1, order_summaries: 1, order_audit_log: 1 });
  });
});
