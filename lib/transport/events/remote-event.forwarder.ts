import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ClientProxy } from '@nestjs/microservices';
import { EventBus } from '../../core/event-bus.js';
import type { MessageContext } from '../../core/message-context.js';
import { describeError, nameOf } from '../../core/names.js';
import type { CqrsRemoteModuleOptions } from '../cqrs-remote-options.interface.js';
import { CQRS_REMOTE_MODULE_OPTIONS } from '../cqrs-remote.module-definition.js';
import { registerForwarders, type ForwardingBus, type ForwardingEngine } from '../forwarding.js';
import { DEFAULT_REMOTE_TIMEOUT } from '../remote-timeout.js';
import { remoteSubject } from '../subjects.js';
import { resolveClient } from '../transport-nest.js';
import { isReceivedEvent } from './received-events.js';

type Forward = (event: object, context: MessageContext) => Promise<unknown>;

/**
 * Fans out the events listed in `CqrsRemoteModule.forRoot({ events })`: every one published on
 * the application's `EventBus` is also emitted on `<prefix>.event.<name>` through the module's
 * client, in an envelope built by the shared forwarding layer (it continues the publish; signed
 * when `authentication` is set). It listens to the bus (`EventBus.listen()`), so local handlers
 * run as before and the publish does not wait for the broker. At most once: an event emitted while
 * the broker is unreachable, or to which no service is subscribed, is lost (a failed emit is
 * logged). An event this process received from another one is not emitted again. For
 * at-least-once delivery use `nestjs-cqrs-lite/transport/jetstream`.
 */
@Injectable()
export class RemoteEventForwarder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CqrsRemoteModule');
  private stop: (() => void) | undefined;

  constructor(
    @Inject(CQRS_REMOTE_MODULE_OPTIONS) private readonly options: CqrsRemoteModuleOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const { events = [], subjectPrefix, authentication } = this.options;
    if (events.length === 0) return;
    const clientName = nameOf(this.options.client);
    const client = resolveClient<ClientProxy>(
      this.moduleRef,
      this.options.client,
      'CqrsRemoteModule',
      (value) =>
        typeof (value as ClientProxy | null)?.emit === 'function'
          ? undefined
          : 'which is not a ClientProxy (no emit() method)',
      `ClientsModule.register([{ name: ${clientName}, transport: Transport.NATS, options: { servers } }])`,
    );
    const engine: ForwardingEngine = {
      role: 'producer',
      timeout: this.options.timeout ?? DEFAULT_REMOTE_TIMEOUT,
      carriesDeadline: false,
      where: 'CqrsRemoteModule.forRoot({ events })',
      handlerName: (target) =>
        `fan-out via ${clientName} (${remoteSubject('event', target.messageName, subjectPrefix)})`,
      send: ({ envelope }, target) =>
        emit(client, remoteSubject('event', target.messageName, subjectPrefix), envelope),
    };
    // The shared forwarding layer builds each type's forwarder; here they are called by a listener.
    const forwarders = new Map<Function, Forward>();
    const collect: ForwardingBus = {
      register: (type, handler) => {
        forwarders.set(type, handler as unknown as Forward);
        return () => forwarders.delete(type);
      },
    };
    registerForwarders(collect, 'event', events, engine, { authentication });
    const eventBus = this.moduleRef.get(EventBus, { strict: false });
    this.stop = eventBus.listen((event, context) => {
      const forward = forwarders.get(Object.getPrototypeOf(event).constructor);
      if (forward === undefined || isReceivedEvent(context)) return;
      forward(event, context).catch((error: unknown) =>
        this.logger.error(
          `Could not emit ${context.messageName} (${context.id}) through ${clientName}: ${describeError(error)}. ` +
            `Fan-out is at most once: the other services do not get this event.`,
        ),
      );
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}

/** Emits an envelope (an event: no reply); resolves once the client has sent it. */
function emit(client: ClientProxy, subject: string, envelope: object): Promise<undefined> {
  return new Promise((resolve, reject) => {
    try {
      client.emit(subject, envelope).subscribe({ error: reject, complete: () => resolve(undefined) });
    } catch (error) {
      reject(error);
    }
  });
}
