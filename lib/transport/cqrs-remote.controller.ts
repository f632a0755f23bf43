import { Controller, Inject, type OnModuleInit, type Type as NestType } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { CommandBus } from '../core/command-bus.js';
import { EnvelopeError, HandlerNotFoundError, type MessageKind } from '../core/errors.js';
import { getMessageMetadata, type Type } from '../core/messages.js';
import { QueryBus } from '../core/query-bus.js';
import type { CqrsRemoteServeOptions } from './cqrs-remote-options.interface.js';
import { receiveEnvelope } from './envelope-relay.js';
import { remoteSubject } from './subjects.js';
import { failureReply, successReply, type WireReply } from './wire.js';

/**
 * Builds the controller of `CqrsRemoteModule.serve()`: one message pattern (subject) per served
 * type, answered by this application's own buses, so its middleware and validation run as for a
 * local dispatch. It always answers a `WireReply` and never throws to the transport, so errors
 * keep their name and code on the way back.
 */
export function createRemoteController(options: CqrsRemoteServeOptions): NestType {
  const commands = servedByName(options.commands);
  const queries = servedByName(options.queries);

  @Controller()
  class CqrsRemoteController implements OnModuleInit {
    private commandBus!: CommandBus;
    private queryBus!: QueryBus;

    constructor(@Inject(ModuleRef) private readonly moduleRef: ModuleRef) {}

    onModuleInit(): void {
      this.commandBus = this.moduleRef.get(CommandBus, { strict: false });
      this.queryBus = this.moduleRef.get(QueryBus, { strict: false });
    }

    async dispatch(envelope: unknown): Promise<WireReply> {
      try {
        const type = servedType('command', commands, envelope);
        if (!this.commandBus.has(type)) throw new HandlerNotFoundError('command', type);
        await receiveEnvelope('server', () => this.commandBus.dispatchEnvelope(envelope));
        return successReply(undefined);
      } catch (error) {
        return failureReply(error);
      }
    }

    async ask(envelope: unknown): Promise<WireReply> {
      try {
        const type = servedType('query', queries, envelope);
        if (!this.queryBus.has(type)) throw new HandlerNotFoundError('query', type);
        return successReply(await receiveEnvelope('server', () => this.queryBus.askEnvelope(envelope)));
      } catch (error) {
        return failureReply(error);
      }
    }
  }

  const prototype = CqrsRemoteController.prototype;
  const subscribe = (method: 'dispatch' | 'ask', kind: MessageKind, served: Map<string, Type>) => {
    if (served.size === 0) return;
    const subjects = [...served.keys()].map((name) => remoteSubject(kind, name, options.subjectPrefix));
    MessagePattern(subjects, options.extras ?? {})(
      prototype,
      method,
      Object.getOwnPropertyDescriptor(prototype, method)!,
    );
  };
  subscribe('dispatch', 'command', commands);
  subscribe('ask', 'query', queries);
  return CqrsRemoteController;
}

function servedByName(types: Type[] | undefined): Map<string, Type> {
  return new Map((types ?? []).map((type) => [getMessageMetadata(type).name, type]));
}

/**
 * The served class an envelope names. Only served names pass, so a message registered on the
 * bus but not listed in `serve()` cannot be run from outside.
 */
function servedType(kind: MessageKind, served: Map<string, Type>, envelope: unknown): Type {
  const name =
    typeof envelope === 'object' && envelope !== null ? (envelope as { name?: unknown }).name : undefined;
  const type = typeof name === 'string' ? served.get(name) : undefined;
  if (type === undefined) throw new EnvelopeError('name', `must name a ${kind} this service serves remotely`);
  return type;
}
