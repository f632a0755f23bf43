import { AGGREGATE_PUBLISHER, type AggregatePublisher, type AggregateRoot } from './aggregate-root.js';
import { nameOf } from './names.js';

/**
 * Connects aggregates to an event bus, so that their `commit()` publishes on it (SPEC §12), under
 * `@nestjs/cqrs`'s name. Injectable from `CqrsLiteModule`; without Nest, `new EventPublisher(eventBus)`.
 */
export class EventPublisher {
  constructor(private readonly eventBus: AggregatePublisher) {
    if (typeof eventBus?.publishAll !== 'function') {
      throw new TypeError(
        `EventPublisher needs an EventBus (or an object with publishAll()), got ${nameOf(eventBus)}.`,
      );
    }
  }

  /** Makes `aggregate.commit()` publish on this publisher's bus; returns the same object. */
  mergeObjectContext<T extends AggregateRoot<any>>(aggregate: T): T {
    Object.defineProperty(aggregate, AGGREGATE_PUBLISHER, {
      value: this.eventBus,
      configurable: true,
      enumerable: false,
      writable: true,
    });
    return aggregate;
  }

  /**
   * A subclass of an aggregate class (same name) whose every instance commits on this
   * publisher's bus: `const Hero = publisher.mergeClassContext(HeroModel); new Hero(id)`.
   */
  mergeClassContext<T extends abstract new (...args: any[]) => AggregateRoot<any>>(type: T): T {
    const Base = type as unknown as new (...args: any[]) => AggregateRoot<any>;
    const merged = class extends Base {};
    Object.defineProperty(merged, 'name', { value: type.name });
    Object.defineProperty(merged.prototype, AGGREGATE_PUBLISHER, {
      value: this.eventBus,
      configurable: true,
      enumerable: false,
      writable: true,
    });
    return merged as unknown as T;
  }
}
