import type { EventBus } from '../../core/event-bus.js';
import type { Type } from '../../core/messages.js';
import type { Middleware } from '../../core/middleware.js';
import { isReceivedEvent } from '../events/received-events.js';
import { registerForwarders, type ForwardingEngine } from '../forwarding.js';
import type { MessageAuthenticationOptions } from '../message-authentication.js';
import { DEFAULT_PUBLISH_TIMEOUT, type JetStreamEventStream } from './jetstream-event-stream.js';

/** Settings of `publishToJetStream`. */
export interface JetStreamPublishSettings {
  /** Milliseconds a publish keeps retrying until stored (default 5000; a `cqrs-timeout` header overrides it). */
  publishTimeout?: number;
  /** Signs every envelope (see `MessageAuthenticationOptions`). */
  authentication?: MessageAuthenticationOptions;
  /** Middleware of each storing handler (the Nest module passes validation: an invalid event is never stored). */
  middlewareFor?: (type: Type) => Middleware[];
}

/**
 * Subscribes, for each event class, a handler that stores the event in the stream, in an envelope
 * built by the shared forwarding layer (it continues the publish; its id becomes the
 * `Nats-Msg-Id`). It is one more handler of the event, so `eventBus.publish()` resolves only once
 * the stream has stored it (and every local handler has settled), and rejects with
 * `EventHandlerError` when it could not be stored. An event this process received from the
 * stream is not stored again. Returns a function that unsubscribes them all.
 */
export function publishToJetStream(
  eventBus: EventBus,
  stream: JetStreamEventStream,
  types: readonly Type[],
  settings: JetStreamPublishSettings = {},
): () => void {
  const engine: ForwardingEngine = {
    role: 'producer',
    timeout: settings.publishTimeout ?? DEFAULT_PUBLISH_TIMEOUT,
    carriesDeadline: false,
    where: 'CqrsJetStreamModule.forRoot({ publish })',
    handlerName: (target) => `jetstream via ${stream.stream} (${stream.subjectOf(target.messageName)})`,
    send: async ({ envelope, timeout, context }, target) => {
      if (isReceivedEvent(context)) return undefined;
      await stream.store(stream.subjectOf(target.messageName), envelope, timeout);
      return undefined;
    },
  };
  const bus = { register: eventBus.subscribe.bind(eventBus) };
  return registerForwarders(bus, 'event', types, engine, settings);
}
