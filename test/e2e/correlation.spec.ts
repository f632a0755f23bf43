import { API_KEY, startApp, temporaryDatabase, type RunningApp } from './support/sample-app.js';

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

/** The message-bus log lines that mention this correlation id. */
const busLinesWith = (correlationId: string) =>
  sample.logger.lines.filter(
    (line) => line.includes('[MessageBus]') && line.includes(`correlationId=${correlationId} `),
  );

it('returns x-request-id as x-correlation-id and logs every message of the request with it', async () => {
  const res = await sample.http
    .post('/users')
    .set('x-api-key', API_KEY)
    .set('x-request-id', 'req-create-alice')
    .send({ userId: 'alice', email: 'alice@example.com', name: 'Alice' });
  expect(res.status).toBe(201);
  expect(res.headers['x-correlation-id']).toBe('req-create-alice');
  // The command's event carries its correlation (causedBy) and finishes first: the command awaits it.
  expect(busLinesWith('req-create-alice')).toEqual([
    expect.stringMatching(
      /^log \[MessageBus\] event UserRegistered correlationId=req-create-alice [\d.]+ms ok$/,
    ),
    expect.stringMatching(
      /^log \[MessageBus\] command RegisterUser correlationId=req-create-alice [\d.]+ms ok$/,
    ),
  ]);
});

it('generates a UUID when no x-request-id is sent, and logs with it', async () => {
  const res = await sample.http.get('/users/alice');
  expect(res.status).toBe(200);
  const id = String(res.headers['x-correlation-id']);
  expect(id).toMatch(UUID);
  expect(busLinesWith(id)).toEqual([
    expect.stringMatching(/query GetUserProfile correlationId=\S+ [\d.]+ms ok$/),
  ]);
});

it('gives every request its own generated id', async () => {
  const a = await sample.http.get('/health');
  const b = await sample.http.get('/health');
  expect(a.headers['x-correlation-id']).toMatch(UUID);
  expect(b.headers['x-correlation-id']).toMatch(UUID);
  expect(a.headers['x-correlation-id']).not.toBe(b.headers['x-correlation-id']);
});

it('carries the id on error responses and logs the failure with it', async () => {
  const res = await sample.http
    .post('/users/nobody/orders')
    .set('x-api-key', API_KEY)
    .set('x-request-id', 'req-failing')
    .send({ orderId: 'o-1', items: [{ sku: 'A', quantity: 1, priceCents: 1 }] });
  expect(res.status).toBe(404);
  expect(res.headers['x-correlation-id']).toBe('req-failing');
  expect(busLinesWith('req-failing')).toEqual([
    expect.stringMatching(
      /^warn \[MessageBus\] command PlaceOrder correlationId=req-failing [\d.]+ms failed: UserNotFoundError/,
    ),
  ]);
});

it('logs rejected writes (401) with the correlation id too', async () => {
  await sample.http.post('/users').set('x-request-id', 'req-no-key').send({}).expect(401);
  expect(busLinesWith('req-no-key')).toEqual([expect.stringContaining('failed: InvalidApiKeyError')]);
});

it('replaces an x-request-id that is unsafe to echo (too long) with a generated id', async () => {
  const res = await sample.http.get('/health').set('x-request-id', 'x'.repeat(500));
  expect(res.headers['x-correlation-id']).toMatch(UUID);
});
