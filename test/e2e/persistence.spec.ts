import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY, startApp, temporaryDatabase } from './support/sample-app.js';

const db = temporaryDatabase();
afterAll(() => db.remove());

it('keeps users, orders and the read model across a restart on the same DATABASE_PATH', async () => {
  const first = await startApp(db.path);
  try {
    await first.http
      .post('/users')
      .set('x-api-key', API_KEY)
      .send({ userId: 'durable', email: 'd@example.com', name: 'Durable' })
      .expect(201);
    for (const [orderId, priceCents] of [
      ['d-1', 100],
      ['d-2', 250],
    ] as const) {
      await first.http
        .post('/users/durable/orders')
        .set('x-api-key', API_KEY)
        .send({ orderId, items: [{ sku: 'A', quantity: 1, priceCents }] })
        .expect(201);
    }
    await first.http.post('/users/durable/orders/d-1/cancel').set('x-api-key', API_KEY).expect(200);
  } finally {
    await first.close();
  }

  const second = await startApp(db.path);
  try {
    const profile = await second.http.get('/users/durable').expect(200);
    expect(profile.body).toEqual({
      userId: 'durable',
      email: 'd@example.com',
      name: 'Durable',
      orderCount: 1,
      totalCents: 250,
    });
    const orders = await second.http.get('/users/durable/orders').expect(200);
    expect(orders.body.map((o: { orderId: string; status: string }) => [o.orderId, o.status])).toEqual([
      ['d-1', 'cancelled'],
      ['d-2', 'placed'],
    ]);
    // The restarted app enforces what it finds: the user and the order ids are taken.
    await second.http
      .post('/users')
      .set('x-api-key', API_KEY)
      .send({ userId: 'durable', email: 'x@example.com', name: 'X' })
      .expect(409);
    await second.http.post('/users/durable/orders/d-1/cancel').set('x-api-key', API_KEY).expect(409);
  } finally {
    await second.close();
  }
});

it('creates the database directory when it is missing', async () => {
  const nested = join(db.path, '..', 'a', 'b', 'nested.db');
  const sample = await startApp(nested);
  try {
    await sample.http.get('/health').expect(200);
    expect(existsSync(nested)).toBe(true);
  } finally {
    await sample.close();
  }
});

it('runs on :memory:, keeping nothing after close', async () => {
  const first = await startApp(':memory:');
  try {
    await first.http
      .post('/users')
      .set('x-api-key', API_KEY)
      .send({ userId: 'ephemeral', email: 'e@example.com', name: 'E' })
      .expect(201);
    await first.http.get('/users/ephemeral').expect(200);
  } finally {
    await first.close();
  }
  const second = await startApp(':memory:');
  try {
    await second.http.get('/users/ephemeral').expect(404);
  } finally {
    await second.close();
  }
});
