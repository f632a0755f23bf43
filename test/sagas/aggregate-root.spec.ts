/** SPEC §12 A1–A4 without Nest: AggregateRoot and EventPublisher over a plain EventBus (nestjs-cqrs-lite/core). */
import { jest } from '@jest/globals';
import {
  AggregateRoot,
  CommandBus,
  EventBus,
  EventHandlerError,
  EventPublisher,
  Message,
  NoPublisherError,
  type MessageContext,
} from '../../lib/core/index.js';

class HeroCreated {
  constructor(readonly heroId: string) {}
}
class DragonSlain {
  constructor(
    readonly heroId: string,
    readonly dragon: string,
  ) {}
}
@Message({ name: 'heroes.levelled-up' })
class LevelledUp {
  constructor(readonly level: number) {}
}
class Unhandled {}

class Hero extends AggregateRoot {
  created = false;
  kills: string[] = [];
  level = 0;

  constructor(readonly id: string) {
    super();
  }

  create() {
    this.apply(new HeroCreated(this.id));
  }

  slay(dragon: string) {
    this.apply(new DragonSlain(this.id, dragon));
  }

  onHeroCreated() {
    this.created = true;
  }

  onDragonSlain(event: DragonSlain) {
    if (event.dragon === 'invincible') throw new Error('the dragon is invincible');
    this.kills.push(event.dragon);
  }

  onLevelledUp(event: LevelledUp) {
    this.level = event.level;
  }
}

function recordingBus() {
  const bus = new EventBus();
  const seen: { event: object; context: MessageContext }[] = [];
  for (const type of [HeroCreated, DragonSlain, LevelledUp, Unhandled]) {
    bus.subscribe(type, (event: object, context: MessageContext) => {
      seen.push({ event, context });
    });
  }
  return { bus, seen };
}

describe('AggregateRoot and EventPublisher (SPEC §12)', () => {
  it('A1: apply() calls on<EventClassName> (the class name, not the @Message name), then records the event', () => {
    const hero = new Hero('h-1');
    hero.create();
    hero.slay('smaug');
    hero.apply(new LevelledUp(3));
    hero.apply(new Unhandled()); // no onUnhandled: recorded, nothing called
    expect(hero.created).toBe(true);
    expect(hero.kills).toEqual(['smaug']);
    expect(hero.level).toBe(3);
    expect(hero.getUncommittedEvents().map((event) => event.constructor)).toEqual([
      HeroCreated,
      DragonSlain,
      LevelledUp,
      Unhandled,
    ]);
  });

  it('A1: a handler that throws leaves its event unrecorded', () => {
    const hero = new Hero('h-1');
    expect(() => hero.slay('invincible')).toThrow('the dragon is invincible');
    expect(hero.getUncommittedEvents()).toEqual([]);
  });

  it('A1: loadFromHistory() applies each event with fromHistory: handlers run, nothing is recorded', () => {
    const hero = new Hero('h-1');
    hero.loadFromHistory([
      new HeroCreated('h-1'),
      new DragonSlain('h-1', 'smaug'),
      new DragonSlain('h-1', 'glaurung'),
    ]);
    expect(hero.kills).toEqual(['smaug', 'glaurung']);
    expect(hero.created).toBe(true);
    expect(hero.getUncommittedEvents()).toEqual([]);
    hero.apply(new DragonSlain('h-1', 'ancalagon'), { fromHistory: true });
    hero.apply(new DragonSlain('h-1', 'scatha'), true); // @nestjs/cqrs's boolean form
    expect(hero.kills).toEqual(['smaug', 'glaurung', 'ancalagon', 'scatha']);
    expect(hero.getUncommittedEvents()).toEqual([]);
  });

  it('A1: getUncommittedEvents() returns a copy in apply order; uncommit() drops the events', () => {
    const hero = new Hero('h-1');
    hero.create();
    const copy = hero.getUncommittedEvents();
    copy.push(new Unhandled());
    expect(hero.getUncommittedEvents()).toHaveLength(1);
    hero.uncommit();
    expect(hero.getUncommittedEvents()).toEqual([]);
  });

  it('A2: commit() publishes the recorded events in order with one publishAll, and never twice', async () => {
    const { bus, seen } = recordingBus();
    const publishAll = jest.spyOn(bus, 'publishAll');
    const hero = new EventPublisher(bus).mergeObjectContext(new Hero('h-1'));
    hero.create();
    hero.slay('smaug');
    const committing = hero.commit();
    expect(hero.getUncommittedEvents()).toEqual([]); // cleared before publishing
    await expect(committing).resolves.toBeUndefined();
    expect(publishAll).toHaveBeenCalledTimes(1);
    expect(seen.map(({ event }) => event)).toEqual([new HeroCreated('h-1'), new DragonSlain('h-1', 'smaug')]);
    await hero.commit();
    expect(seen).toHaveLength(2);
    expect(publishAll).toHaveBeenCalledTimes(1); // nothing left: no second publish
  });

  it('A2: commit({ causedBy }) gives the events the command’s correlation and causation', async () => {
    const { bus, seen } = recordingBus();
    const publisher = new EventPublisher(bus);
    const commands = new CommandBus();
    class SlayDragon {
      constructor(readonly dragon: string) {}
    }
    commands.register(SlayDragon, async (command: SlayDragon, context: MessageContext) => {
      const hero = publisher.mergeObjectContext(new Hero('h-1'));
      hero.slay(command.dragon);
      await hero.commit({ causedBy: context });
    });
    let commandContext: MessageContext | undefined;
    commands.use((message, next, context) => {
      commandContext = context;
      return next();
    });
    await commands.dispatch(new SlayDragon('smaug'), { correlationId: 'corr-1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.context.correlationId).toBe('corr-1');
    expect(seen[0]!.context.causationId).toBe(commandContext!.id);
  });

  it('A2: commit() settles as publishAll: it rejects with EventHandlerError after every handler settled', async () => {
    const bus = new EventBus();
    const ran: string[] = [];
    bus.subscribe(HeroCreated, () => {
      throw new Error('projection down');
    });
    bus.subscribe(DragonSlain, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ran.push('slow');
    });
    const hero = new EventPublisher(bus).mergeObjectContext(new Hero('h-1'));
    hero.create();
    hero.slay('smaug');
    const error = await hero.commit().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(EventHandlerError);
    expect((error as EventHandlerError).failures).toHaveLength(1);
    expect(ran).toEqual(['slow']);
  });

  it('A2: mergeClassContext() returns a subclass (same name) whose every instance commits on the bus', async () => {
    const { bus, seen } = recordingBus();
    const MergedHero = new EventPublisher(bus).mergeClassContext(Hero);
    expect(MergedHero.name).toBe('Hero');
    const hero = new MergedHero('h-2');
    expect(hero).toBeInstanceOf(Hero);
    hero.create();
    await hero.commit();
    expect(seen.map(({ event }) => event)).toEqual([new HeroCreated('h-2')]);
    // The original class is untouched.
    const plain = new Hero('h-3');
    plain.create();
    await expect(plain.commit()).rejects.toBeInstanceOf(NoPublisherError);
  });

  it('A3: commit() without a publisher rejects with NoPublisherError (CQRS_NO_PUBLISHER); the events stay recorded', async () => {
    const hero = new Hero('h-1');
    hero.create();
    const error = await hero.commit().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(NoPublisherError);
    expect((error as NoPublisherError).code).toBe('CQRS_NO_PUBLISHER');
    expect((error as Error).message).toContain('Hero');
    expect((error as Error).message).toContain('mergeObjectContext');
    expect(hero.getUncommittedEvents()).toEqual([new HeroCreated('h-1')]);
  });

  it('A3: commit() never throws synchronously, even when the publisher does', async () => {
    const throwing = new EventPublisher({
      publishAll: () => {
        throw new Error('broken publisher');
      },
    });
    const hero = throwing.mergeObjectContext(new Hero('h-1'));
    hero.create();
    let result: Promise<void> | undefined;
    expect(() => (result = hero.commit())).not.toThrow();
    await expect(result).rejects.toThrow('broken publisher');
  });

  it('A4: the @nestjs/cqrs names exist in nestjs-cqrs-lite/core and the full entry point', async () => {
    const core = await import('../../lib/core/index.js');
    const full = await import('../../lib/index.js');
    for (const name of ['AggregateRoot', 'EventPublisher', 'EventBus']) {
      expect(typeof (core as Record<string, unknown>)[name]).toBe('function');
    }
    for (const name of ['AggregateRoot', 'EventPublisher', 'EventBus', 'EventsHandler', 'Saga', 'ofType']) {
      expect(typeof (full as Record<string, unknown>)[name]).toBe('function');
    }
    expect(full.AggregateRoot).toBe(core.AggregateRoot);
  });

  it('A4: uncommitted events are invisible to JSON.stringify (a private field)', () => {
    const hero = new Hero('h-1');
    hero.create();
    expect(JSON.parse(JSON.stringify(hero))).toEqual({ id: 'h-1', created: true, kills: [], level: 0 });
  });

  it('EventPublisher refuses something that is not an event bus', () => {
    expect(() => new EventPublisher(undefined as never)).toThrow(TypeError);
  });
});
