import {
  API_KEY,
  failingProperties,
  startApp,
  temporaryDatabase,
  type RunningApp,
} from './support/sample-app.js';

const db = temporaryDatabase();
let sample: RunningApp;

beforeAll(async () => {
  sample = await startApp(db.path);
  for (const userId of ['alice', 'bob']) {
    await sample.http
      .post('/users')
      .set('x-api-key', API_KEY)
      .send({ userId, email: `${userId}@example.com`, name: userId })
      .expect(201);
  }
});
afterAll(async () => {
  await sample.close();
  db.remove();
});

const placeOrder = (userId: string, body: object) =>
  sample.http.post(`/users/${userId}/orders`).set('x-api-key', API_KEY).send(body);
const cancel = (userId: string, orderId: string) =>
  sample.http.post(`/users/${userId}/orders/${orderId}/cancel`).set('x-api-key', API_KEY);

describe('POST /users/:userId/orders', () => {
  it('places an order: 201 { orderId, totalCents } with the sum of quantity × price', async () => {
    const res = await placeOrder('alice', {
      orderId: 'a-1',
      items: [
        { sku: 'BOOK', quantity: 2, priceCents: 1250 },
        { sku: 'PEN', quantity: 3, priceCents: 99 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ orderId: 'a-1', totalCents: 2 * 1250 + 3 * 99 });
  });

  it('answers 404 for an unknown user and stores nothing', async () => {
    const res = await placeOrder('nobody', {
      orderId: 'x-1',
      items: [{ sku: 'A', quantity: 1, priceCents: 1 }],
    });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('USER_NOT_FOUND');
    // The order id is still free.
    await placeOrder('bob', { orderId: 'x-1', items: [{ sku: 'A', quantity: 1, priceCents: 1 }] }).expect(
      201,
    );
  });

  it('answers 409 for an orderId already used, by the same or another user', async () => {
    await placeOrder('alice', { orderId: 'dup', items: [{ sku: 'A', quantity: 1, priceCents: 100 }] }).expect(
      201,
    );
    const same = await placeOrder('alice', {
      orderId: 'dup',
      items: [{ sku: 'B', quantity: 1, priceCents: 5 }],
    });
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('ORDER_ALREADY_EXISTS');
    const other = await placeOrder('bob', {
      orderId: 'dup',
      items: [{ sku: 'B', quantity: 1, priceCents: 5 }],
    });
    expect(other.status).toBe(409);
    const orders = await sample.http.get('/users/alice/orders').expect(200);
    expect(orders.body.find((o: { orderId: string }) => o.orderId === 'dup').totalCents).toBe(100);
  });

  it.each([
    ['no items', { orderId: 'v-1', items: [] }, ['items']],
    ['missing items', { orderId: 'v-2' }, ['items']],
    ['missing orderId', { items: [{ sku: 'A', quantity: 1, priceCents: 1 }] }, ['orderId']],
    [
      'zero quantity',
      { orderId: 'v-3', items: [{ sku: 'A', quantity: 0, priceCents: 1 }] },
      ['items.0.quantity'],
    ],
    [
      'bad second line',
      {
        orderId: 'v-4',
        items: [
          { sku: 'A', quantity: 1, priceCents: 1 },
          { sku: '', quantity: 1.5, priceCents: -1 },
        ],
      },
      ['items.1.priceCents', 'items.1.quantity', 'items.1.sku'],
    ],
    [
      'a misspelt field in a line',
      { orderId: 'v-5', items: [{ sku: 'A', qty: 1, priceCents: 1 }] },
      ['items.0.qty', 'items.0.quantity'],
    ],
  ])('answers 400 for %s, naming the failing fields', async (_case, body, properties) => {
    const res = await placeOrder('alice', body);
    expect(res.status).toBe(400);
    expect(failingProperties(res.body)).toEqual(properties);
  });

  it('validates before looking the user up: an invalid order for an unknown user is 400', async () => {
    await placeOrder('nobody', { orderId: 'v-6', items: [] }).expect(400);
  });
});

describe('GET /users/:userId/orders', () => {
  it('lists the orders oldest first with { orderId, totalCents, status, createdAt }', async () => {
    await sample.http
      .post('/users')
      .set('x-api-key', API_KEY)
      .send({ userId: 'lister', email: 'l@example.com', name: 'L' })
      .expect(201);
    await placeOrder('lister', { orderId: 'l-1', items: [{ sku: 'A', quantity: 1, priceCents: 10 }] }).expect(
      201,
    );
    await placeOrder('lister', { orderId: 'l-2', items: [{ sku: 'A', quantity: 2, priceCents: 10 }] }).expect(
      201,
    );
    const res = await sample.http.get('/users/lister/orders');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { orderId: 'l-1', totalCents: 10, status: 'placed', createdAt: expect.any(String) },
      { orderId: 'l-2', totalCents: 20, status: 'placed', createdAt: expect.any(String) },
    ]);
    expect(new Date(res.body[0].createdAt).toISOString()).toBe(res.body[0].createdAt);
  });

  it('answers 200 with an empty list for a user without orders', async () => {
    await sample.http
      .post('/users')
      .set('x-api-key', API_KEY)
      .send({ userId: 'empty', email: 'e@example.com', name: 'E' })
      .expect(201);
    const res = await sample.http.get('/users/empty/orders');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('answers 404 for an unknown user', async () => {
    const res = await sample.http.get('/users/nobody/orders');
    expect(res.status).toBe(404);
  });
});

describe('POST /users/:userId/orders/:orderId/cancel', () => {
  it('cancels: 200, and the order is listed as cancelled', async () => {
    await placeOrder('bob', { orderId: 'c-1', items: [{ sku: 'A', quantity: 1, priceCents: 700 }] }).expect(
      201,
    );
    const res = await cancel('bob', 'c-1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ orderId: 'c-1', status: 'cancelled' });
    const orders = await sample.http.get('/users/bob/orders').expect(200);
    expect(orders.body.find((o: { orderId: string }) => o.orderId === 'c-1').status).toBe('cancelled');
  });

  it('answers 409 when the order is already cancelled', async () => {
    await placeOrder('bob', { orderId: 'c-2', items: [{ sku: 'A', quantity: 1, priceCents: 1 }] }).expect(
      201,
    );
    await cancel('bob', 'c-2').expect(200);
    const res = await cancel('bob', 'c-2');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ORDER_ALREADY_CANCELLED');
  });

  it('answers 400 for an order id that cannot be an id', async () => {
    const res = await cancel('bob', 'not%20an%20id');
    expect(res.status).toBe(400);
    expect(failingProperties(res.body)).toEqual(['orderId']);
  });

  it('answers 404 for an unknown order, an unknown user, or another user’s order', async () => {
    await placeOrder('alice', { orderId: 'c-3', items: [{ sku: 'A', quantity: 1, priceCents: 1 }] }).expect(
      201,
    );
    expect((await cancel('bob', 'no-such-order')).status).toBe(404);
    expect((await cancel('nobody', 'c-3')).status).toBe(404);
    const foreign = await cancel('bob', 'c-3');
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('ORDER_NOT_FOUND');
    const orders = await sample.http.get('/users/alice/orders').expect(200);
    expect(orders.body.find((o: { orderId: string }) => o.orderId === 'c-3').status).toBe('placed');
  });
});
