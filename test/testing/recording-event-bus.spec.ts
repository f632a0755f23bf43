import {
  Command,
  CommandBus,
  EventBus,
  EventHandlerError,
  InvalidMessageError,
  type MessageContext,
} from '../../lib/core/index.js';
import { RecordingEventBus } from '../../lib/testing/index.js';

class PlaceOrder extends Command {
  constructor(readonly orderId: string) {
    super();
  }
}
class OrderPlaced {
  constructor(readonly orderId: string) {}
}
class BigOrderPlaced extends OrderPlaced {}
class OrderCancelled {
  constructor(readonly orderId: string) {}
}

/** The code under test: a command handler that publishes what happened, caused by its command. */
class PlaceOrderHandler {
  constructor(private readonly events: EventBus) {}

  async execute(command: PlaceOrder, context: MessageContext): Promise<void> {
    await this.events.publish(new OrderPlaced(command.orderId), { causedBy: context });
  }
}

describe('RecordingEventBus', () => {
  it('is an EventBus, so it can stand in for the real one in DI', () => {
    expect(new RecordingEventBus()).toBeInstanceOf(EventBus);
  });

  it('records every published event in order and resolves without running anything', async () => {
    const bus = new RecordingEventBus();
    const first = new OrderPlaced('o1');

    await expect(bus.publish(first)).resolves.toBeUndefined();
    await bus.publish(new OrderCancelled('o1'));

    expect(bus.published).toEqual([new OrderPlaced('o1'), new OrderCancelled('o1')]);
    expect(bus.published[0]).toBe(first);
  });

  it('records synchronously, before publish() returns', () => {
    const bus = new RecordingEventBus();
    void bus.publish(new OrderPlaced('o1'));
    expect(bus.published).toHaveLength(1);
  });

  it('publishedOf() filters by exact class, as the bus routes', async () => {
    const bus = new RecordingEventBus();
    await bus.publish(new OrderPlaced('o1'));
    await bus.publish(new BigOrderPlaced('o2'));
    await bus.publish(new OrderCancelled('o3'));

    const placed: OrderPlaced[] = bus.publishedOf(OrderPlaced);
    expect(placed.map((e) => e.orderId)).toEqual(['o1']);
    expect(bus.publishedOf(BigOrderPlaced).map((e) => e.orderId)).toEqual(['o2']);
  });

  it('records the options and a context of the publish with each event', async () => {
    const bus = new RecordingEventBus();
    await bus.publish(new OrderPlaced('o1'), { correlationId: 'req-1', headers: { 'x-user-id': 'ann' } });
    await bus.publish(new OrderPlaced('o2'));

    const [first, second] = bus.records;
    expect(first!.options).toEqual({ correlationId: 'req-1', headers: { 'x-user-id': 'ann' } });
    expect(first!.context).toMatchObject({
      kind: 'event',
      messageType: OrderPlaced,
      messageName: 'OrderPlaced',
      correlationId: 'req-1',
      causationId: undefined,
      headers: { 'x-user-id': 'ann' },
    });
    expect(second!.options).toBeUndefined();
    expect(second!.context.correlationId).toBe(second!.context.id);
    expect(second!.context.id).not.toBe(first!.context.id);
  });

  it("lets a command handler's test assert the events it published and their causation", async () => {
    const events = new RecordingEventBus();
    let commandContext: MessageContext | undefined;
    const commands = new CommandBus({
      middleware: [(_message, next, context) => ((commandContext = context), next())],
    });
    commands.register(PlaceOrder, new PlaceOrderHandler(events));

    await commands.dispatch(new PlaceOrder('o1'), { correlationId: 'req-7' });

    expect(events.publishedOf(OrderPlaced)).toEqual([new OrderPlaced('o1')]);
    const [record] = events.records;
    expect(record!.options?.causedBy).toBe(commandContext);
    expect(record!.context.causationId).toBe(commandContext!.id);
    expect(record!.context.correlationId).toBe('req-7');
  });

  it('the recorded context has the identity every handler of the publish sees', async () => {
    const bus = new RecordingEventBus();
    const seen: MessageContext[] = [];
    bus.subscribe(OrderPlaced, (_event, context) => void seen.push(context));
    bus.subscribe(OrderPlaced, async (_event, context) => void seen.push(context));

    await bus.publish(new OrderPlaced('o1'), { headers: { tenant: 't1' } });

    const recorded = bus.records[0]!.context;
    expect(seen).toHaveLength(2);
    for (const context of seen) {
      expect(context.id).toBe(recorded.id);
      expect(context.timestamp).toBe(recorded.timestamp);
      expect(context.headers).toEqual({ tenant: 't1' });
    }
  });

  it('runs subscribed handlers as a real bus does, failures gathered into EventHandlerError', async () => {
    const bus = new RecordingEventBus();
    const failure = new Error('mail server down');
    const handled: string[] = [];
    bus.subscribe(OrderPlaced, function sendMail() {
      throw failure;
    });
    bus.subscribe(OrderPlaced, (event) => void handled.push(event.orderId));

    const outcome = bus.publish(new OrderPlaced('o1'));
    await expect(outcome).rejects.toBeInstanceOf(EventHandlerError);
    await outcome.catch((error: EventHandlerError) => {
      expect(error.failures).toEqual([{ handler: 'sendMail', error: failure, event: new OrderPlaced('o1') }]);
    });
    expect(handled).toEqual(['o1']);
    expect(bus.published).toEqual([new OrderPlaced('o1')]);
  });

  it('passes onError through to the bus', async () => {
    const reported: EventHandlerError[] = [];
    const bus = new RecordingEventBus({ onError: (error) => void reported.push(error) });
    bus.subscribe(OrderPlaced, () => Promise.reject(new Error('no')));
    await expect(bus.publish(new OrderPlaced('o1'))).rejects.toBeInstanceOf(EventHandlerError);
    expect(reported).toHaveLength(1);
  });

  it('publishAll() records each event in the order given, with the options of the call', async () => {
    const bus = new RecordingEventBus();
    await bus.publishAll([new OrderPlaced('o1'), new OrderCancelled('o1')], { correlationId: 'c' });

    expect(bus.published).toEqual([new OrderPlaced('o1'), new OrderCancelled('o1')]);
    expect(bus.records.map((r) => r.options?.correlationId)).toEqual(['c', 'c']);
    expect(bus.records.map((r) => r.context.correlationId)).toEqual(['c', 'c']);
  });

  it('keeps call order when a handler publishes in turn, before the first publish has finished starting', async () => {
    const bus = new RecordingEventBus();
    bus.subscribe(OrderPlaced, (event, context) => {
      void bus.publish(new OrderCancelled(event.orderId), { causedBy: context });
    });

    await bus.publish(new OrderPlaced('o1'));

    expect(bus.published).toEqual([new OrderPlaced('o1'), new OrderCancelled('o1')]);
    const [placed, cancelled] = bus.records;
    expect(cancelled!.context.causationId).toBe(placed!.context.id);
    expect(cancelled!.options?.causedBy).toBeDefined();
    expect(placed!.options).toBeUndefined();
  });

  it('records an event received as an envelope', async () => {
    const sender = new RecordingEventBus();
    const receiver = new RecordingEventBus();
    receiver.subscribe(OrderPlaced, () => undefined);
    const envelope = JSON.parse(
      JSON.stringify(sender.toEnvelope(new OrderPlaced('o1'), { correlationId: 'r' })),
    );

    await receiver.publishEnvelope(envelope);

    expect(receiver.published).toEqual([new OrderPlaced('o1')]);
    expect(receiver.records[0]!.context.correlationId).toBe('r');
  });

  it('rejects what is not a class instance with InvalidMessageError, as a real bus, without recording it', async () => {
    const bus = new RecordingEventBus();
    await expect(bus.publish(null as never)).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(bus.publish({ orderId: 'o1' })).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(bus.publishAll([new OrderPlaced('o1'), { orderId: 'o2' }])).rejects.toBeInstanceOf(
      InvalidMessageError,
    );
    expect(bus.published).toEqual([]);
  });

  it('reset() forgets the records and keeps the handlers; clear() removes the handlers and keeps recording', async () => {
    const bus = new RecordingEventBus();
    const handled: string[] = [];
    bus.subscribe(OrderPlaced, (e) => void handled.push(e.orderId));
    await bus.publish(new OrderPlaced('o1'));

    bus.reset();
    expect(bus.published).toEqual([]);
    await bus.publish(new OrderPlaced('o2'));
    expect(handled).toEqual(['o1', 'o2']);

    bus.clear();
    await bus.publish(new OrderPlaced('o3'));
    expect(handled).toEqual(['o1', 'o2']);
    expect(bus.published).toEqual([new OrderPlaced('o2'), new OrderPlaced('o3')]);
  });

  it('the control: a bare listener sees a nested publish first, which the double puts back in call order', async () => {
    const bus = new EventBus();
    const heard: object[] = [];
    bus.listen((event) => void heard.push(event));
    bus.subscribe(OrderPlaced, (event) => void bus.publish(new OrderCancelled(event.orderId)));
    await bus.publish(new OrderPlaced('o1'));
    expect(heard).toEqual([new OrderCancelled('o1'), new OrderPlaced('o1')]);
  });
});
