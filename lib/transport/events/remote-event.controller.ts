import { Controller, Inject, Logger, type OnModuleInit, type Type as NestType } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventHandlerError } from '../../core/errors.js';
import { EventBus } from '../../core/event-bus.js';
import { getMessageMetadata } from '../../core/messages.js';
import { describeError } from '../../core/names.js';
import type { CqrsRemoteServeOptions } from '../cqrs-remote-options.interface.js';
import { EnvelopeReceiver, TRANSPORT_HEADER, type ReceivingEngine } from '../receiving.js';
import { remoteSubject } from '../subjects.js';

const ENGINE: ReceivingEngine = { transport: 'nats', role: 'consumer' };

/**
 * Builds the controller that receives the events of `CqrsRemoteModule.serve({ events })`: one
 * event pattern per listed class on `<prefix>.event.<name>` (with `extras`, e.g. a NATS `queue`
 * shared by the replicas of one service), each bound to that class's name and passed through the
 * shared receiver (limits, authentication, binding, header filter) to the local `EventBus`'s
 * `publishEnvelope`, without the `maxInFlight` bound of commands and queries (a refused event would
 * be lost). What the receiver refuses is logged and counted in `receiver.refusals`;
 * handler failures are reported by the bus (`onEventError`). Nothing is answered: at most once.
 */
export function createRemoteEventController(options: CqrsRemoteServeOptions): NestType {
  const receiverOptions = { ...options, commands: [], queries: [] };
  // Checked now, so that bad options fail at configuration rather than on the first event.
  new EnvelopeReceiver({}, receiverOptions, ENGINE);

  @Controller()
  class CqrsRemoteEventController implements OnModuleInit {
    /** The shared receiver (its `refusals` count what it refused). */
    receiver!: EnvelopeReceiver;
    private readonly logger = new Logger('CqrsRemoteModule');

    constructor(@Inject(ModuleRef) private readonly moduleRef: ModuleRef) {}

    onModuleInit(): void {
      const eventBus = this.moduleRef.get(EventBus, { strict: false });
      // Not bounded by maxInFlight / maxQueued: an event has no caller to answer "busy" to, so a
      // refusal would lose it. NATS's slow-consumer limits bound what a subscriber buffers.
      this.receiver = new EnvelopeReceiver({ eventBus }, receiverOptions, ENGINE, false);
    }

    async receive(name: string, data: unknown, transportContext: unknown): Promise<void> {
      try {
        await this.receiver.publish(name, data, { [TRANSPORT_HEADER]: transportOf(transportContext) });
      } catch (error) {
        // The bus has reported handler failures already (onEventError or its logger).
        if (error instanceof EventHandlerError) return;
        this.logger.error(`Refused a remote event on '${name}': ${describeError(error)}`);
      }
    }
  }

  const prototype = CqrsRemoteEventController.prototype as unknown as Record<string, unknown>;
  for (const type of options.events ?? []) {
    const name = getMessageMetadata(type).name;
    // One method per subject: the subject binds the name the envelope must carry.
    const method = `event ${name}`;
    prototype[method] = function (this: CqrsRemoteEventController, data: unknown, transportContext: unknown) {
      return this.receive(name, data, transportContext);
    };
    Payload()(prototype, method, 0);
    Ctx()(prototype, method, 1);
    EventPattern(remoteSubject('event', name, options.subjectPrefix), options.extras ?? {})(
      prototype,
      method,
      Object.getOwnPropertyDescriptor(prototype, method)!,
    );
  }
  return CqrsRemoteEventController;
}

/** `nats` for a `NatsContext`, `tcp` for a `TcpContext`, …: the transport a message came by. */
function transportOf(transportContext: unknown): string {
  const name = (transportContext as object | null)?.constructor?.name ?? '';
  return name.endsWith('Context') && name.length > 7 ? name.slice(0, -7).toLowerCase() : 'microservices';
}
