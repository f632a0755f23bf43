/** Typed results: `ask()` infers a `Query<R>`'s result, and a handler must produce it. */
import { expectTypeOf } from 'expect-type';
import { of, type Observable } from 'rxjs';
import {
  Query,
  QueryBus,
  query,
  type IQueryHandler,
  type QueryHandlerFn,
  type QueryResult,
} from '../../lib/index.js';

interface User {
  id: string;
  name: string;
}
class GetUser extends Query<User | undefined> {
  constructor(readonly id: string) {
    super();
  }
}
class CountUsers extends Query<number> {}
class PlainQuery {
  readonly kind = 'plain';
}

declare const bus: QueryBus;

// ask() infers the declared result of a Query<R>.
expectTypeOf(bus.ask(new GetUser('u1'))).toEqualTypeOf<Promise<User | undefined>>();
expectTypeOf(bus.ask(new CountUsers())).toEqualTypeOf<Promise<number>>();
expectTypeOf<QueryResult<GetUser>>().toEqualTypeOf<User | undefined>();
expectTypeOf<QueryResult<PlainQuery>>().toBeUnknown();

// A query that does not extend Query<R> gives the bus's default: unknown, or QueryBus<T>'s T.
expectTypeOf(bus.ask(new PlainQuery())).toEqualTypeOf<Promise<unknown>>();
declare const anyBus: QueryBus<any>;
expectTypeOf(anyBus.ask(new PlainQuery())).toEqualTypeOf<Promise<any>>();
declare const stringBus: QueryBus<string>;
expectTypeOf(stringBus.ask(new PlainQuery())).toEqualTypeOf<Promise<string>>();
// ...while a Query<R> keeps its own result on any bus.
expectTypeOf(stringBus.ask(new CountUsers())).toEqualTypeOf<Promise<number>>();

// ask() takes class instances, not primitives or nothing.
// @ts-expect-error a string is not a query
void bus.ask('GetUser');
// @ts-expect-error a query is required
void bus.ask();

// A handler object for Query<R> must return R (or a promise or Observable of it).
export class GetUserHandler implements IQueryHandler<GetUser> {
  execute(q: GetUser): User | undefined {
    return { id: q.id, name: 'Ann' };
  }
}
export class AsyncCountHandler implements IQueryHandler<CountUsers> {
  async execute(): Promise<number> {
    return 1;
  }
}
export class ObservableCountHandler implements IQueryHandler<CountUsers> {
  execute(): Observable<number> {
    return of(1);
  }
}
export class WrongResultHandler implements IQueryHandler<CountUsers> {
  // @ts-expect-error CountUsers is a Query<number>: a handler returning a string does not compile
  execute(): string {
    return 'one';
  }
}
export class WrongAsyncResultHandler implements IQueryHandler<CountUsers> {
  // @ts-expect-error nor does one resolving to a string
  async execute(): Promise<string> {
    return 'one';
  }
}

// The same for handler functions, registered on a bus or with query().
bus.register(CountUsers, () => 1);
bus.register(CountUsers, async () => 1);
bus.register(GetUser, (q) => {
  expectTypeOf(q).toEqualTypeOf<GetUser>();
  return undefined;
});
// @ts-expect-error a handler of Query<number> returning a string
bus.register(CountUsers, () => 'one');
// @ts-expect-error an object handler of Query<number> returning a string
bus.register(CountUsers, { execute: () => 'one' });
// @ts-expect-error the type must be a class, not an instance
bus.register(new CountUsers(), () => 1);
query(CountUsers)(() => 2);
// @ts-expect-error query() checks the result too
query(CountUsers)(() => 'two');

// A handler for a plain class may return anything.
bus.register(PlainQuery, () => 'anything');
expectTypeOf<QueryHandlerFn<PlainQuery>>().returns.toEqualTypeOf<unknown>();
