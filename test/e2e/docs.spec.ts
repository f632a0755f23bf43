import { startApp, temporaryDatabase, type RunningApp } from './support/sample-app.js';

const db = temporaryDatabase();
let sample: RunningApp;

beforeAll(async () => {
  sample = await startApp(db.path);
});
afterAll(async () => {
  await sample.close();
  db.remove();
});

it('serves the Swagger UI at /docs', async () => {
  const res = await sample.http.get('/docs');
  expect(res.status).toBe(200);
  expect(res.text).toContain('swagger');
});

it('serves an OpenAPI document listing every endpoint, with the command bodies', async () => {
  const res = await sample.http.get('/docs-json').expect(200);
  expect(Object.keys(res.body.paths).sort()).toEqual([
    '/health',
    '/users',
    '/users/{userId}',
    '/users/{userId}/orders',
    '/users/{userId}/orders/{orderId}/audit',
    '/users/{userId}/orders/{orderId}/cancel',
  ]);
  const placeOrder = res.body.components.schemas.PlaceOrder;
  expect(Object.keys(placeOrder.properties).sort()).toEqual(['items', 'orderId']);
  expect(Object.keys(res.body.components.schemas.RegisterUser.properties).sort()).toEqual([
    'email',
    'name',
    'userId',
  ]);
});
