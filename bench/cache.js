/**
 * What query caching saves and costs (SPEC §13), through CqrsLiteModule with `cache: true` (the
 * in-memory store) against the same module with caching off:
 * - reads: a query whose handler reads one row from SQLite (better-sqlite3, an in-memory database
 *   of 1,000 users, a prepared statement) asked through the module uncached and cached (a hit),
 *   against a direct `await handler.execute(query)`; 100 different users in turn, so keys vary;
 * - the hit path: the same for a handler that does no work at all, so that hit − off is what the
 *   cache step costs when it answers (key, lookup, version check, copy of the result);
 * - commands: a command without `@InvalidatesCache` (what the invalidation step costs every other
 *   command once caching is on) and one that invalidates a tag.
 * All cases of one comparison run interleaved in one Bench (see harness.js).
 */
import Database from 'better-sqlite3';
import {
  Cacheable,
  CommandBus,
  CommandHandler,
  InvalidatesCache,
  QueryBus,
  QueryHandler,
} from 'nestjs-cqrs-lite';
import { Ping, PingHandler, createLiteApp } from './fixtures.js';
import { BATCH, compare, emit, median } from './harness.js';

const USERS = 1_000;
const ASKED = 100;

const db = new Database(':memory:');
db.exec(
  'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, orders INTEGER NOT NULL)',
);
const insert = db.prepare('INSERT INTO users (id, name, email, orders) VALUES (?, ?, ?, ?)');
db.transaction(() => {
  for (let id = 1; id <= USERS; id++) insert.run(id, `User ${id}`, `user${id}@example.com`, id % 7);
})();

/** Reads one user's profile. */
class GetUser {
  constructor(id) {
    this.id = id;
  }
}
/** The same query, cached per id. */
class GetUserCached {
  constructor(id) {
    this.id = id;
  }
}
/** A query whose handler does nothing, cached: its hit path is the cache's own cost. */
class GetNothingCached {
  constructor(id) {
    this.id = id;
  }
}
/** The same, uncached. */
class GetNothing {
  constructor(id) {
    this.id = id;
  }
}
/** A command that makes one user's cached profile stale. */
class RenameUser {
  constructor(id) {
    this.id = id;
  }
}
Reflect.decorate([Cacheable({ ttl: 600_000, tags: (q) => [`user:${q.id}`] })], GetUserCached);
Reflect.decorate([Cacheable({ ttl: 600_000 })], GetNothingCached);
Reflect.decorate([InvalidatesCache((c) => [`user:${c.id}`])], RenameUser);

const select = db.prepare('SELECT id, name, email, orders FROM users WHERE id = ?');
/** The usual shape of a query handler over SQLite: an async execute around a prepared statement. */
class GetUserHandler {
  async execute(query) {
    return select.get(query.id);
  }
}
class GetUserCachedHandler {
  async execute(query) {
    return select.get(query.id);
  }
}
class GetNothingHandler {
  async execute(query) {
    return query.id;
  }
}
class GetNothingCachedHandler {
  async execute(query) {
    return query.id;
  }
}
class RenameUserHandler {
  async execute() {}
}
Reflect.decorate([QueryHandler(GetUser)], GetUserHandler);
Reflect.decorate([QueryHandler(GetUserCached)], GetUserCachedHandler);
Reflect.decorate([QueryHandler(GetNothing)], GetNothingHandler);
Reflect.decorate([QueryHandler(GetNothingCached)], GetNothingCachedHandler);
Reflect.decorate([CommandHandler(RenameUser)], RenameUserHandler);

const providers = [
  GetUserHandler,
  GetUserCachedHandler,
  GetNothingHandler,
  GetNothingCachedHandler,
  RenameUserHandler,
  PingHandler,
];
const off = await createLiteApp(providers);
const on = await createLiteApp(providers, { cache: true });

const ids = Array.from({ length: ASKED }, (_, i) => 1 + ((i * 37) % USERS));
const queriesOf = (type) => ids.map((id) => new type(id));
const users = queriesOf(GetUser);
const cachedUsers = queriesOf(GetUserCached);
const nothings = queriesOf(GetNothing);
const cachedNothings = queriesOf(GetNothingCached);

/** A task asking BATCH queries from `list` in turn; checks one answer so nothing is optimised away. */
const asking = (ask, list, check) => async () => {
  let result;
  for (let i = 0; i < BATCH; i++) result = await ask(list[i % list.length]);
  check(result);
};
const isUser = (user) => {
  if (typeof user?.email !== 'string') throw new Error(`wrong result ${JSON.stringify(user)}`);
};
const isNumber = (n) => {
  if (typeof n !== 'number') throw new Error(`wrong result ${n}`);
};

const offQueries = off.get(QueryBus);
const onQueries = on.get(QueryBus);
// Fill the cache: every later ask of these keys is a hit (the ttl outlasts the run).
for (const query of [...cachedUsers, ...cachedNothings]) await onQueries.ask(query);

const handler = new GetUserHandler();
const reads = await compare(
  {
    'direct handler call (SQLite read)': asking((q) => handler.execute(q), users, isUser),
    'ask, cache off': asking((q) => offQueries.ask(q), users, isUser),
    'ask, cache on, hit': asking((q) => onQueries.ask(q), cachedUsers, isUser),
  },
  { baseline: 'direct handler call (SQLite read)', label: 'cache reads' },
);

const nothing = new GetNothingHandler();
const hitPath = await compare(
  {
    'direct handler call (no work)': asking((q) => nothing.execute(q), nothings, isNumber),
    'ask, cache off': asking((q) => offQueries.ask(q), nothings, isNumber),
    'ask, cache on, hit': asking((q) => onQueries.ask(q), cachedNothings, isNumber),
  },
  { baseline: 'direct handler call (no work)', label: 'cache hit path' },
);

const ping = new Ping(1);
const renames = ids.map((id) => new RenameUser(id));
const dispatching = (bus, list) => async () => {
  for (let i = 0; i < BATCH; i++) await bus.dispatch(list[i % list.length]);
};
const commands = await compare(
  {
    'dispatch, cache off': dispatching(off.get(CommandBus), [ping]),
    'dispatch, cache on, command invalidates nothing': dispatching(on.get(CommandBus), [ping]),
    'dispatch, cache on, command invalidates one tag': dispatching(on.get(CommandBus), renames),
  },
  { baseline: 'dispatch, cache off', label: 'cache commands' },
);

/** `a − b` in ns per operation, the median over rounds measured together. */
const added = (a, b) => median(a.rounds.map((t, i) => t - b.rounds[i]));

await on.close();
await off.close();
db.close();
emit({
  reads,
  hitPath,
  commands,
  hitOverheadNs: added(hitPath['ask, cache on, hit'], hitPath['ask, cache off']),
  hitVsDirectNs: added(hitPath['ask, cache on, hit'], hitPath['direct handler call (no work)']),
  invalidationStepNs: added(
    commands['dispatch, cache on, command invalidates nothing'],
    commands['dispatch, cache off'],
  ),
  invalidationNs: added(
    commands['dispatch, cache on, command invalidates one tag'],
    commands['dispatch, cache off'],
  ),
});
