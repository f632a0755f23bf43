/**
 * The sample app caches `GetUserProfile` and `ListOrders` (SPEC §13); its commands carry
 * `@InvalidatesCache`, so a read after a write over HTTP is always fresh, and a repeated read is
 * served without running the handler.
 */
import { QueryCache, QueryBus } from 'nestjs-cqrs-lite';
import { GetUserProfile } from '../../sample-app/src/users/queries/get-user-profile.query.js';
import { API_KEY, startApp, temporaryDatabase, type RunningApp } from './support/sample-app.js';

const db = temporaryDatabase();
let sample: RunningApp;

beforeAll(async () => {
  sample = await startApp(db.path);
});
afterAll(async () => {
  await sample.close();
  db.remove();
});

const order = (userId: string, orderId: string) =>
  sample.http
    .post(`/users/${userId}/orders`)
    .set('x-api-key', API_KEY)
    .send({ orderId, items: [{ sku: 'PEN', quantity: 1, priceCents: 300 }] })
    .expect(201);

describe('sample app: cached reads stay fresh after writes (SPEC §13)', () => {
  it('Q1, Q3: profile and order list are cached, and each command makes them stale before it answers', async () => {
    await sample.http
      .post('/users')
      .set('x-api-key', API_KEY)
      .send({ userId: 'carol', email: 'carol@example.com', name: 'Carol' })
      .expect(201);
    const profile = async () => (await sample.http.get('/users/carol').expect(200)).body;
    const orders = async () => (await sample.http.get('/users/carol/orders').expect(200)).body;

    expect(await profile()).toMatchObject({ orderCount: 0, totalCents: 0 });
    expect(await orders()).toEqual([]);

    await order('carol', 'c-1');
    expect(await profile()).toMatchObject({ orderCount: 1, totalCents: 300 });
    expect((await orders()).map((o: { orderId: string }) => o.orderId)).toEqual(['c-1']);

    await sample.http.post('/users/carol/orders/c-1/cancel').set('x-api-key', API_KEY).expect(200);
    expect(await profile()).toMatchObject({ orderCount: 0, totalCents: 0 });
    expect((await orders())[0]).toMatchObject({ orderId: 'c-1', status: 'cancelled' });
  });

  it('Q1: a repeated read is answered from the cache (the database is not read again)', async () => {
    const queries = sample.app.get(QueryBus);
    const first = await queries.ask(new GetUserProfile('carol'));
    // Change the database behind the application's back: a cached read cannot see it.
    const { default: Database } = await import('better-sqlite3');
    const conn = new Database(db.path);
    conn.prepare("UPDATE user_summaries SET name = 'Changed behind its back' WHERE user_id = 'carol'").run();
    conn.close();
    expect(await queries.ask(new GetUserProfile('carol'))).toEqual(first);
    await sample.app.get(QueryCache).invalidate(['user:carol']);
    expect((await queries.ask(new GetUserProfile('carol'))).name).toBe('Changed behind its back');
  });
});
