import { Controller, Inject, type OnModuleInit, type Type as NestType } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { EnvelopeError } from '../core/errors.js';
import { getMessageMetadata } from '../core/messages.js';
import type { CqrsRemoteServeOptions } from './cqrs-remote-options.interface.js';
import { MALFORMED_REQUEST, type MalformedRequest } from './cqrs-nats.deserializer.js';
import { EnvelopeReceiver, TRANSPORT_HEADER, type ReceivingEngine } from './receiving.js';
import { remoteSubject } from './subjects.js';
import { localBuses } from './transport-nest.js';
import { failureReply, type WireReply } from './wire.js';

const ENGINE: ReceivingEngine = { transport: 'nats', role: 'server' };

/**
 * Builds the controller of `CqrsRemoteModule.serve()`: one message pattern (subject) per served
 * type, each bound to that type's name, answered through the shared receiver (limits,
 * authentication, binding, header filter, concurrency) by this application's own buses, so its
 * middleware and validation run as for a local dispatch. It always answers a `WireReply` and
 * never throws to the transport, so errors keep their name and code on the way back.
 */
export function createRemoteController(options: CqrsRemoteServeOptions): NestType {
  // Checked now, so that bad options fail at configuration rather than on the first message.
  new EnvelopeReceiver({}, options, ENGINE);

  @Controller()
  class CqrsRemoteController implements OnModuleInit {
    /** The shared receiver (its `refusals` count what it refused). */
    receiver!: EnvelopeReceiver;

    constructor(@Inject(ModuleRef) private readonly moduleRef: ModuleRef) {}

    onModuleInit(): void {
      this.receiver = new EnvelopeReceiver(localBuses(this.moduleRef), options, ENGINE);
    }

    receive(
      kind: 'command' | 'query',
      name: string,
      data: unknown,
      transportContext: unknown,
    ): Promise<WireReply> {
      if (isMalformed(data)) {
        return Promise.resolve(
          this.receiver.sign(failureReply(new EnvelopeError('envelope', data.reason)), undefined),
        );
      }
      return this.receiver.reply(kind, name, data, { [TRANSPORT_HEADER]: transportOf(transportContext) });
    }
  }

  const prototype = CqrsRemoteController.prototype as unknown as Record<string, unknown>;
  const subscribe = (kind: 'command' | 'query', types: CqrsRemoteServeOptions['commands']) => {
    for (const type of types ?? []) {
      const name = getMessageMetadata(type).name;
      const subject = remoteSubject(kind, name, options.subjectPrefix);
      // One method per subject: the subject binds the name the envelope must carry.
      const method = `${kind} ${name}`;
      prototype[method] = function (this: CqrsRemoteController, data: unknown, transportContext: unknown) {
        return this.receive(kind, name, data, transportContext);
      };
      Payload()(prototype, method, 0);
      Ctx()(prototype, method, 1);
      MessagePattern(subject, options.extras ?? {})(
        prototype,
        method,
        Object.getOwnPropertyDescriptor(prototype, method)!,
      );
    }
  };
  subscribe('command', options.commands);
  subscribe('query', options.queries);
  return CqrsRemoteController;
}

function isMalformed(data: unknown): data is MalformedRequest {
  return typeof data === 'object' && data !== null && (data as MalformedRequest)[MALFORMED_REQUEST] === true;
}

/** `nats` for a `NatsContext`, `tcp` for a `TcpContext`, …: the transport a message came by. */
function transportOf(transportContext: unknown): string {
  const name = (transportContext as object | null)?.constructor?.name ?? '';
  return name.endsWith('Context') && name.length > 7 ? name.slice(0, -7).toLowerCase() : 'microservices';
}
