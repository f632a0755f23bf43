import { Module, type DynamicModule } from '@nestjs/common';
import type { CqrsRemoteServeOptions } from './cqrs-remote-options.interface.js';
import { createRemoteController } from './cqrs-remote.controller.js';
import { CqrsRemoteForwarder } from './cqrs-remote.forwarder.js';
import { createRemoteEventController } from './events/remote-event.controller.js';
import { RemoteEventForwarder } from './events/remote-event.forwarder.js';
import {
  ConfigurableCqrsRemoteModule,
  CQRS_REMOTE_ASYNC_OPTIONS_TYPE,
  CQRS_REMOTE_OPTIONS_TYPE,
} from './cqrs-remote.module-definition.js';

/**
 * Commands and queries across processes over Nest microservices (NATS, or any `ClientProxy`).
 * In the sending application, `forRoot({ client, commands, queries })` routes those types to
 * another process: `dispatch()` / `ask()` are unchanged. In the receiving one,
 * `serve({ commands, queries })` answers them with its own buses. Both need `CqrsLiteModule`.
 */
@Module({})
export class CqrsRemoteModule extends ConfigurableCqrsRemoteModule {
  /** Sends the listed commands and queries to another process through the given client. */
  static override forRoot(options: typeof CQRS_REMOTE_OPTIONS_TYPE): DynamicModule {
    return withForwarder(super.forRoot(options));
  }

  /** Like `forRoot`, with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof CQRS_REMOTE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withForwarder(super.forRootAsync(options));
  }

  /**
   * Answers the listed commands and queries sent by other processes, through this application's
   * buses. Connect a microservice transport to the application (`app.connectMicroservice()`).
   */
  static serve(options: CqrsRemoteServeOptions): DynamicModule {
    const controllers = [createRemoteController(options)];
    if (options.events?.length) controllers.push(createRemoteEventController(options));
    return { module: CqrsRemoteModule, controllers };
  }
}

function withForwarder(module: DynamicModule): DynamicModule {
  return { ...module, providers: [...(module.providers ?? []), CqrsRemoteForwarder, RemoteEventForwarder] };
}
