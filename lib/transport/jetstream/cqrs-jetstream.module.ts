import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsJetStreamEvents } from './cqrs-jetstream.events.js';
import {
  ConfigurableCqrsJetStreamModule,
  CQRS_JETSTREAM_ASYNC_OPTIONS_TYPE,
  CQRS_JETSTREAM_OPTIONS_TYPE,
} from './cqrs-jetstream.module-definition.js';

/**
 * Durable events across services on NATS JetStream. `forRoot({ servers, publish, consume })`:
 * events of the `publish` classes are stored in a stream when published (`eventBus.publish()`
 * resolves once stored); the `consume` classes are read by durable consumers of this service and
 * published on its `EventBus`, acknowledged once every handler settled, retried with backoff, and
 * parked on a dead-letter subject after `maxDeliver` attempts. At least once. Needs `CqrsLiteModule`.
 */
@Module({})
export class CqrsJetStreamModule extends ConfigurableCqrsJetStreamModule {
  /** Connects to JetStream and publishes / consumes the listed events. */
  static override forRoot(options: typeof CQRS_JETSTREAM_OPTIONS_TYPE): DynamicModule {
    return withEvents(super.forRoot(options));
  }

  /** Like `forRoot`, with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof CQRS_JETSTREAM_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withEvents(super.forRootAsync(options));
  }
}

function withEvents(module: DynamicModule): DynamicModule {
  return {
    ...module,
    providers: [...(module.providers ?? []), CqrsJetStreamEvents],
    exports: [...(module.exports ?? []), CqrsJetStreamEvents],
  };
}
