/** The test doubles are typed like the buses they replace. */
import { expectTypeOf } from 'expect-type';
import {
  Command,
  CommandBus,
  EventBus,
  Query,
  QueryBus,
  type IQueryHandler,
  type MessageContext,
} from '../../lib/core/index.js';
import {
  RecordingCommandBus,
  RecordingEventBus,
  StubQueryBus,
  createMessageContext,
  runHandler,
  type RecordedEvent,
  type RecordedMessage,
} from '../../lib/testing/index.js';

class CreateUser extends Command {
  constructor(readonly email: string) {
    super();
  }
}
class GetCount extends Query<number> {}
class PlainQuery {}

// Usable wherever the real buses are expected.
expectTypeOf<RecordingCommandBus>().toExtend<CommandBus>();
expectTypeOf<StubQueryBus>().toExtend<QueryBus>();

const commands = new RecordingCommandBus();
expectTypeOf(commands.dispatched).toEqualTypeOf<readonly object[]>();
expectTypeOf(commands.dispatchedOf(CreateUser)).toEqualTypeOf<CreateUser[]>();
expectTypeOf(commands.records).toEqualTypeOf<readonly RecordedMessage[]>();
expectTypeOf(commands.dispatch(new CreateUser('a'))).toEqualTypeOf<Promise<void>>();

// Stubs answer with the query's declared result.
const queries = new StubQueryBus();
queries.stub(GetCount, () => 1).stub(GetCount, async () => 2);
queries.stubResult(GetCount, 3);
queries.stubResult(PlainQuery, 'anything');
// @ts-expect-error GetCount is a Query<number>
queries.stub(GetCount, () => 'one');
// @ts-expect-error GetCount is a Query<number>
queries.stubResult(GetCount, 'one');
expectTypeOf(queries.ask(new GetCount())).toEqualTypeOf<Promise<number>>();
expectTypeOf(queries.askedOf(GetCount)).toEqualTypeOf<GetCount[]>();
expectTypeOf(new StubQueryBus<string>().ask(new PlainQuery())).toEqualTypeOf<Promise<string>>();

// runHandler() resolves like ask() for queries and like dispatch() for commands.
class GetCountHandler implements IQueryHandler<GetCount> {
  execute(): number {
    return 1;
  }
}
expectTypeOf(runHandler(new GetCountHandler(), new GetCount())).toEqualTypeOf<Promise<number>>();
expectTypeOf(runHandler(async (_q: GetCount) => 2, new GetCount())).toEqualTypeOf<Promise<number>>();
expectTypeOf(runHandler((c: CreateUser) => c.email, new CreateUser('a'))).toEqualTypeOf<Promise<void>>();
expectTypeOf(runHandler(() => 'x', new PlainQuery(), { kind: 'query' })).toEqualTypeOf<Promise<string>>();
// @ts-expect-error the handler must take the message it is run with
void runHandler((c: CreateUser) => c.email, new GetCount());
// @ts-expect-error middleware are middleware
void runHandler(() => 1, new GetCount(), { middleware: ['LOGGING'] });

expectTypeOf(createMessageContext(new CreateUser('a'), { headers: { a: 'b' } }).kind).toEqualTypeOf<
  'command' | 'query' | 'event'
>();

// The recording event bus is an EventBus and types what it recorded.
class OrderPlaced {
  constructor(readonly orderId: string) {}
}
expectTypeOf<RecordingEventBus>().toExtend<EventBus>();
const events = new RecordingEventBus();
expectTypeOf(events.published).toEqualTypeOf<readonly object[]>();
expectTypeOf(events.publishedOf(OrderPlaced)).toEqualTypeOf<OrderPlaced[]>();
expectTypeOf(events.records).toEqualTypeOf<readonly RecordedEvent[]>();
expectTypeOf(events.records[0]!.context).toEqualTypeOf<MessageContext>();
expectTypeOf(events.publish(new OrderPlaced('o1'))).toEqualTypeOf<Promise<void>>();
