import { plainToInstance } from 'class-transformer';
import { CommandBus } from 'nestjs-cqrs-lite';
import { InvalidApiKeyError } from '../../sample-app/src/middleware/invalid-api-key.error.js';
import { RegisterUser } from '../../sample-app/src/users/commands/register-user.command.js';
import { API_KEY, startApp, temporaryDatabase, type RunningApp } from './support/sample-app.js';

const db = temporaryDatabase();
let sample: RunningApp;

beforeAll(async () => {
  sample = await startApp(db.path);
  await sample.http
    .post('/users')
    .set('x-api-key', API_KEY)
    .send({ userId: 'owner', email: 'owner@example.com', name: 'Owner' })
    .expect(201);
  await sample.http
    .post('/users/owner/orders')
    .set('x-api-key', API_KEY)
    .send({ orderId: 'o-1', items: [{ sku: 'A', quantity: 1, priceCents: 500 }] })
    .expect(201);
});
afterAll(async () => {
  await sample.close();
  db.remove();
});

const writes = [
  ['POST /users', '/users', { userId: 'mallory', email: 'm@example.com', name: 'M' }],
  [
    'POST /users/:userId/orders',
    '/users/owner/orders',
    { orderId: 'o-2', items: [{ sku: 'A', quantity: 1, priceCents: 1 }] },
  ],
  ['POST /users/:userId/orders/:orderId/cancel', '/users/owner/orders/o-1/cancel', {}],
] as const;

describe.each(writes)('%s', (_name, path, body) => {
  it('answers 401 without x-api-key', async () => {
    const res = await sample.http.post(path).send(body);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_API_KEY');
  });

  it('answers 401 with a wrong x-api-key', async () => {
    const res = await sample.http.post(path).set('x-api-key', `${API_KEY}-wrong`).send(body);
    expect(res.status).toBe(401);
  });

  it('answers 401 with an empty x-api-key', async () => {
    const res = await sample.http.post(path).set('x-api-key', '').send(body);
    expect(res.status).toBe(401);
  });
});

it('a refused write changes nothing', async () => {
  await sample.http.get('/users/mallory').expect(404);
  const orders = await sample.http.get('/users/owner/orders').expect(200);
  expect(orders.body).toEqual([expect.objectContaining({ orderId: 'o-1', status: 'placed' })]);
  const profile = await sample.http.get('/users/owner').expect(200);
  expect(profile.body).toMatchObject({ orderCount: 1, totalCents: 500 });
});

it('checks the key before validating: an invalid body without a key is 401, not 400', async () => {
  const res = await sample.http.post('/users').send({ email: 'nope' });
  expect(res.status).toBe(401);
});

it('checks the key before looking anything up: unknown user without a key is 401, not 404', async () => {
  const res = await sample.http.post('/users/nobody/orders/x/cancel');
  expect(res.status).toBe(401);
});

it('reads need no key', async () => {
  await sample.http.get('/users/owner').expect(200);
  await sample.http.get('/users/owner/orders').expect(200);
  await sample.http.get('/health').expect(200);
});

it('enforces the key on the command bus itself, not only over HTTP', async () => {
  const bus = sample.app.get(CommandBus);
  const command = plainToInstance(RegisterUser, { userId: 'script', email: 's@example.com', name: 'S' });
  await expect(bus.dispatch(command)).rejects.toBeInstanceOf(InvalidApiKeyError);
  await bus.dispatch(command, { headers: { 'x-api-key': API_KEY } });
  await sample.http.get('/users/script').expect(200);
});

it('uses the configured API_KEY, not the development default', async () => {
  const res = await sample.http
    .post('/users')
    .set('x-api-key', 'dev-key')
    .send({ userId: 'devkey', email: 'd@example.com', name: 'D' });
  expect(res.status).toBe(401);
});

it('refuses a command from another process (context.origin remote) even with the right key in its headers', async () => {
  const bus = sample.app.get(CommandBus);
  const command = plainToInstance(RegisterUser, { userId: 'remote', email: 'r@example.com', name: 'R' });
  const envelope = JSON.parse(JSON.stringify(bus.toEnvelope(command, { headers: { 'x-api-key': API_KEY } })));
  const error = await bus.dispatchEnvelope(envelope).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidApiKeyError);
  expect(error).toMatchObject({ reason: 'remote' });
  await sample.http.get('/users/remote').expect(404);
});
