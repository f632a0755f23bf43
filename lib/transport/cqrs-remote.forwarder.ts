import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ClientProxy } from '@nestjs/microservices';
import { CommandBus } from '../core/command-bus.js';
import { InvalidHandlerError } from '../core/errors.js';
import { describeError, nameOf } from '../core/names.js';
import { QueryBus } from '../core/query-bus.js';
import { findMessageValidation, validationStep } from '../nest/message-validation.js';
import type { CqrsRemoteModuleOptions } from './cqrs-remote-options.interface.js';
import { CQRS_REMOTE_MODULE_OPTIONS } from './cqrs-remote.module-definition.js';
import { remoteHandler, type RemoteRoute } from './remote-handler.js';
import { assertTimeout, DEFAULT_REMOTE_TIMEOUT } from './remote-timeout.js';

/**
 * Registers, in `onModuleInit`, a remote handler on the application's `CommandBus` / `QueryBus`
 * for each message type of `CqrsRemoteModule.forRoot()`. A type that also has a local handler
 * fails init with `DuplicateHandlerError`.
 */
@Injectable()
export class CqrsRemoteForwarder implements OnModuleInit {
  constructor(
    @Inject(CQRS_REMOTE_MODULE_OPTIONS) private readonly options: CqrsRemoteModuleOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const { commands = [], queries = [], subjectPrefix } = this.options;
    const route: RemoteRoute = {
      client: this.resolveClient(),
      clientName: nameOf(this.options.client),
      timeout: assertTimeout(this.options.timeout ?? DEFAULT_REMOTE_TIMEOUT, 'CqrsRemoteModule.forRoot()'),
      subjectPrefix,
    };
    // Found anywhere in the application, so CqrsLiteModule may be global or not.
    const commandBus = this.moduleRef.get(CommandBus, { strict: false });
    const queryBus = this.moduleRef.get(QueryBus, { strict: false });
    // The application's validation runs before a message leaves: an invalid one is refused here.
    const validation = findMessageValidation(this.moduleRef);
    for (const type of commands) {
      commandBus.register(type, remoteHandler('command', type, route), {
        middleware: validationStep(validation, type),
      });
    }
    for (const type of queries) {
      queryBus.register(type, remoteHandler('query', type, route), {
        middleware: validationStep(validation, type),
      });
    }
  }

  private resolveClient(): ClientProxy {
    const token = this.options.client;
    let client: unknown;
    try {
      client = this.moduleRef.get(token, { strict: false });
    } catch (error) {
      throw new InvalidHandlerError(
        `CqrsRemoteModule: no provider for the client ${nameOf(token)} (${describeError(error)}). Register it, ` +
          `e.g. ClientsModule.register([{ name: ${nameOf(token)}, transport: Transport.NATS, options: { servers } }]).`,
        { cause: error },
      );
    }
    if (typeof (client as ClientProxy | null)?.send !== 'function') {
      throw new InvalidHandlerError(
        `CqrsRemoteModule: the client ${nameOf(token)} resolves to ${nameOf(client)}, which is not a ClientProxy (no send() method).`,
      );
    }
    return client as ClientProxy;
  }
}
