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
});
afterAll(async () => {
  await sample.close();
  db.remove();
});

const register = (body: object) => sample.http.post('/users').set('x-api-key', API_KEY).send(body);

describe('GET /health', () => {
  it('answers 200', async () => {
    const res = await sample.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('POST /users', () => {
  it('registers a user: 201 { userId }', async () => {
    const res = await register({ userId: 'alice', email: 'alice@example.com', name: 'Alice' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ userId: 'alice' });
  });

  it('refuses an existing userId with 409 and keeps the first registration', async () => {
    await register({ userId: 'bob', email: 'bob@example.com', name: 'Bob' }).expect(201);
    const res = await register({ userId: 'bob', email: 'other@example.com', name: 'Other' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('USER_ALREADY_EXISTS');
    const profile = await sample.http.get('/users/bob').expect(200);
    expect(profile.body).toMatchObject({ email: 'bob@example.com', name: 'Bob' });
  });

  it('refuses a bad email with 400 naming only that field', async () => {
    const res = await register({ userId: 'carol', email: 'not-an-email', name: 'Carol' });
    expect(res.status).toBe(400);
    expect(failingProperties(res.body)).toEqual(['email']);
  });

  it('refuses an empty name with 400 naming it', async () => {
    const res = await register({ userId: 'carol', email: 'carol@example.com', name: '' });
    expect(res.status).toBe(400);
    expect(failingProperties(res.body)).toEqual(['name']);
  });

  it('refuses missing fields with 400 naming each of them', async () => {
    const res = await register({});
    expect(res.status).toBe(400);
    expect(failingProperties(res.body)).toEqual(['email', 'name', 'userId']);
  });

  it('refuses a userId that is not URL-safe with 400', async () => {
    const res = await register({ userId: 'a/b', email: 'ab@example.com', name: 'AB' });
    expect(res.status).toBe(400);
    expect(failingProperties(res.body)).toEqual(['userId']);
  });

  it('stores nothing for a refused registration', async () => {
    await register({ userId: 'dave', email: 'nope', name: 'Dave' }).expect(400);
    await sample.http.get('/users/dave').expect(404);
  });
});

describe('GET /users/:userId', () => {
  it('returns the profile from the read model: 200 with zero totals for a new user', async () => {
    await register({ userId: 'erin', email: 'erin@example.com', name: 'Erin' }).expect(201);
    const res = await sample.http.get('/users/erin');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId: 'erin',
      email: 'erin@example.com',
      name: 'Erin',
      orderCount: 0,
      totalCents: 0,
    });
  });

  it('answers 404 for an unknown user', async () => {
    const res = await sample.http.get('/users/nobody');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('USER_NOT_FOUND');
  });
});
