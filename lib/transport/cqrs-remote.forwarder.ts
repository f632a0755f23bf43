import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ClientProxy } from '@nestjs/microservices';
import { nameOf } from '../core/names.js';
import type { CqrsRemoteModuleOptions } from './cqrs-remote-options.interface.js';
import { CQRS_REMOTE_MODULE_OPTIONS } from './cqrs-remote.module-definition.js';
import { registerForwarders } from './forwarding.js';
import { microservicesEngine } from './remote-handler.js';
import { DEFAULT_REMOTE_TIMEOUT } from './remote-timeout.js';
import { forwardingMiddleware, localBuses, resolveClient } from './transport-nest.js';

const WHERE = 'CqrsRemoteModule';

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
    const { commands = [], queries = [], subjectPrefix, authentication } = this.options;
    const client = resolveClient<ClientProxy>(
      this.moduleRef,
      this.options.client,
      WHERE,
      (value) =>
        typeof (value as ClientProxy | null)?.send === 'function'
          ? undefined
          : 'which is not a ClientProxy (no send() method)',
      `ClientsModule.register([{ name: ${nameOf(this.options.client)}, transport: Transport.NATS, options: { servers } }])`,
    );
    const engine = microservicesEngine({
      client,
      clientName: nameOf(this.options.client),
      timeout: this.options.timeout ?? DEFAULT_REMOTE_TIMEOUT,
      subjectPrefix,
    });
    const { commandBus, queryBus } = localBuses(this.moduleRef);
    const settings = { authentication, middlewareFor: forwardingMiddleware(this.moduleRef) };
    const undo = registerForwarders(commandBus, 'command', commands, engine, settings);
    try {
      registerForwarders(queryBus, 'query', queries, engine, settings);
    } catch (error) {
      undo();
      throw error;
    }
  }
}
