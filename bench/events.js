/**
 * Event publish cost: `publish` to 1, 3 and 5 async handlers, against calling the same handlers
 * directly and against @nestjs/cqrs 12 `EventBus.publish`. @nestjs/cqrs's `publish` does not wait
 * for its handlers, so its case awaits a latch the handlers release when they have all finished:
 * every case is measured to the moment all handlers of the event have finished.
 *
 * Also the dispatch cost when one call site sends many message classes (8 command classes round
 * robin through one `dispatch` site, so the route cache and V8's inline caches miss) against one
 * class, for commands.
 */
import { CommandBus as NestCommandBus, CommandHandler as NestCommandHandler } from '@nestjs/cqrs';
import { EventBus as NestEventBus, EventsHandler as NestEventsHandler } from '@nestjs/cqrs';
import {
  CommandBus,
  CommandHandler as LiteCommandHandler,
  EventBus,
  EventsHandler as LiteEventsHandler,
} from 'nestjs-cqrs-lite';
import { createLiteApp, createNestCqrsApp } from './fixtures.js';
import { BATCH, compare, emit } from './harness.js';

const FAN_OUTS = [1, 3, 5];

/** What the handlers release when they finish; the lite and direct cases need no wait of it. */
const NO_WAIT = { arrive() {} };

/** Counts the handlers of one @nestjs/cqrs publish down to zero, then resolves `done`. */
class Latch {
  constructor(count) {
    this.remaining = count;
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }
  arrive() {
    if (--this.remaining === 0) this.resolve();
  }
}

/** One event class per fan-out, so that each has its own handlers in both libraries. */
function eventClass(count) {
  const name = `Placed${count}`;
  return {
    [name]: class {
      constructor(n, latch) {
        this.n = n;
        this.latch = latch;
      }
    },
  }[name];
}

/**
 * `count` handler classes of `Event`, all with the same code, carrying both libraries'
 * `@EventsHandler`: the usual shape of a Nest event handler, an async `handle` doing a little work.
 */
function handlerClasses(Event, count) {
  return Array.from({ length: count }, (_, i) => {
    const name = `${Event.name}Handler${i + 1}`;
    const Handler = {
      [name]: class {
        count = 0;
        async handle(event) {
          this.count += event.n;
          event.latch.arrive();
        }
      },
    }[name];
    Reflect.decorate([LiteEventsHandler(Event), NestEventsHandler(Event)], Handler);
    return Handler;
  });
}

const fanOuts = FAN_OUTS.map((count) => {
  const Event = eventClass(count);
  return { count, Event, handlers: handlerClasses(Event, count) };
});

/** 8 command classes with the same handler code, carrying both libraries' `@CommandHandler`. */
const COMMAND_CLASSES = 8;
const commandTypes = Array.from({ length: COMMAND_CLASSES }, (_, i) => {
  const name = `Ping${i + 1}`;
  const Command = {
    [name]: class {
      constructor(n) {
        this.n = n;
      }
    },
  }[name];
  const handlerName = `${name}Handler`;
  const Handler = {
    [handlerName]: class {
      count = 0;
      async execute(command) {
        this.count += command.n;
      }
    },
  }[handlerName];
  Reflect.decorate([LiteCommandHandler(Command), NestCommandHandler(Command)], Handler);
  return { Command, Handler };
});

const providers = [...fanOuts.flatMap((f) => f.handlers), ...commandTypes.map((t) => t.Handler)];
const liteApp = await createLiteApp(providers);
const nestApp = await createNestCqrsApp(providers);
const liteModuleEvents = liteApp.get(EventBus);
const nestEvents = nestApp.get(NestEventBus);

const events = {};
for (const { count, Event, handlers } of fanOuts) {
  const direct = handlers.map((Handler) => new Handler());
  const standalone = new EventBus();
  for (const Handler of handlers) standalone.subscribe(Event, new Handler());
  const event = new Event(1, NO_WAIT);
  const pending = new Array(count);

  // Each handler's registered instance counts what it saw: a case that skipped them would show.
  const liteInstances = handlers.map((Handler) => liteApp.get(Handler));
  const expectCounted = (label, instances) => {
    if (instances.some((instance) => instance.count === 0)) throw new Error(`${label}: a handler never ran`);
  };

  events[`${count} handler${count === 1 ? '' : 's'}`] = await compare(
    {
      // The same semantics by hand: start every handler, then wait for all of them.
      direct: async () => {
        for (let i = 0; i < BATCH; i++) {
          for (let h = 0; h < count; h++) pending[h] = direct[h].handle(event);
          for (let h = 0; h < count; h++) await pending[h];
        }
      },
      'lite standalone EventBus.publish': async () => {
        for (let i = 0; i < BATCH; i++) await standalone.publish(event);
      },
      'lite module (forRoot defaults)': async () => {
        for (let i = 0; i < BATCH; i++) await liteModuleEvents.publish(event);
        expectCounted('lite module', liteInstances);
      },
      '@nestjs/cqrs EventBus.publish, until its handlers finished': async () => {
        for (let i = 0; i < BATCH; i++) {
          const latch = new Latch(count);
          nestEvents.publish(new Event(1, latch));
          await latch.done;
        }
      },
    },
    { baseline: 'direct', label: `publish to ${count}` },
  );
}

// One dispatch site, one class against eight classes round robin.
const standaloneCommands = new CommandBus();
const directCommandHandlers = commandTypes.map(({ Handler }) => new Handler());
for (const [i, { Command }] of commandTypes.entries()) {
  standaloneCommands.register(Command, directCommandHandlers[i]);
}
const liteCommands = liteApp.get(CommandBus);
const nestCommands = nestApp.get(NestCommandBus);
const manyMessages = commandTypes.map(({ Command }) => new Command(1));
const oneMessage = [manyMessages[0]];

/**
 * A dispatch task sending BATCH commands from `messages` round robin through one call site;
 * `send` gets the message and its index in `messages`.
 */
const sending = (send, messages) => async () => {
  const length = messages.length;
  for (let i = 0; i < BATCH; i++) await send(messages[i % length], i % length);
};
// Direct: each message's own handler called at one (polymorphic) call site, no lookup at all.
const direct = (command, index) => directCommandHandlers[index].execute(command);

const polymorphic = await compare(
  {
    'direct, 1 class': sending(direct, oneMessage),
    'direct, 8 classes': sending(direct, manyMessages),
    'lite standalone, 1 class': sending((c) => standaloneCommands.dispatch(c), oneMessage),
    'lite standalone, 8 classes': sending((c) => standaloneCommands.dispatch(c), manyMessages),
    'lite module, 1 class': sending((c) => liteCommands.dispatch(c), oneMessage),
    'lite module, 8 classes': sending((c) => liteCommands.dispatch(c), manyMessages),
    '@nestjs/cqrs, 1 class': sending((c) => nestCommands.execute(c), oneMessage),
    '@nestjs/cqrs, 8 classes': sending((c) => nestCommands.execute(c), manyMessages),
  },
  { baseline: 'direct, 1 class', label: 'one call site, many classes' },
);

await liteApp.close();
await nestApp.close();
emit({ events, polymorphic });
