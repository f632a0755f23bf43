import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventBus } from '../../core/event-bus.js';
import { forwardingMiddleware } from '../transport-nest.js';
import { CQRS_JETSTREAM_MODULE_OPTIONS } from './cqrs-jetstream.module-definition.js';
import { JetStreamEventConsumer } from './jetstream-event-consumer.js';
import { publishToJetStream } from './jetstream-event-publisher.js';
import { JetStreamEventStream } from './jetstream-event-stream.js';
import type { CqrsJetStreamModuleOptions } from './jetstream-options.interface.js';

/**
 * `CqrsJetStreamModule` in an application: in `onModuleInit` it connects, makes sure the streams
 * exist and subscribes the storing handlers of `publish`; in `onApplicationBootstrap` (every
 * handler is registered by then) it starts the durable consumers of `consume`. On close it stops
 * consuming in `onModuleDestroy` (waiting for the events being handled, before `CqrsLiteModule`
 * drains the buses) and closes the connection in `onApplicationShutdown`.
 */
@Injectable()
export class CqrsJetStreamEvents
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  /** The application's event stream (connection, streams, publishing). */
  readonly stream: JetStreamEventStream;
  /** The durable consumers, when `consume` is given. */
  consumer: JetStreamEventConsumer | undefined;
  private readonly logger = new Logger('CqrsJetStreamModule');
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(CQRS_JETSTREAM_MODULE_OPTIONS) private readonly options: CqrsJetStreamModuleOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {
    this.stream = new JetStreamEventStream(options);
  }

  /** Connects, makes sure the streams exist, and subscribes the storing handlers. */
  async onModuleInit(): Promise<void> {
    const eventBus = this.moduleRef.get(EventBus, { strict: false });
    if (this.options.consume !== undefined) {
      this.consumer = new JetStreamEventConsumer(
        this.stream,
        eventBus,
        this.options.consume,
        (message) => this.logger.error(message),
        this.options.authentication,
      );
    }
    try {
      await this.stream.open();
    } catch (error) {
      // Nest runs no shutdown hook after a failed init: the connection is closed here.
      await this.stream.close();
      throw error;
    }
    try {
      // The application's validation runs before an event is stored: an invalid one is refused here.
      this.unsubscribe = publishToJetStream(eventBus, this.stream, this.options.publish ?? [], {
        publishTimeout: this.options.publishTimeout,
        authentication: this.options.authentication,
        middlewareFor: forwardingMiddleware(this.moduleRef),
      });
    } catch (error) {
      await this.stream.close();
      throw error;
    }
  }

  /** Starts the durable consumers. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.consumer?.start();
    } catch (error) {
      await this.consumer?.stop();
      await this.stream.close();
      throw error;
    }
  }

  /** Stops consuming, waiting for the events being handled. */
  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Unsubscribes the storing handlers and closes the connection (if the module opened it). */
  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.stream.close();
  }
}
