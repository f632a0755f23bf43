import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CqrsRemoteModuleOptions } from './cqrs-remote-options.interface.js';

/** Builds `forRoot` / `forRootAsync` of `CqrsRemoteModule` and its options token. */
export const {
  ConfigurableModuleClass: ConfigurableCqrsRemoteModule,
  /** DI token of the options given to `CqrsRemoteModule.forRoot()` / `forRootAsync()`. */
  MODULE_OPTIONS_TOKEN: CQRS_REMOTE_MODULE_OPTIONS,
  OPTIONS_TYPE: CQRS_REMOTE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CQRS_REMOTE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CqrsRemoteModuleOptions>().setClassMethodName('forRoot').build();
