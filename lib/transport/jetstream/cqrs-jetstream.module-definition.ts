import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CqrsJetStreamModuleOptions } from './jetstream-options.interface.js';

/** Builds `forRoot` / `forRootAsync` of `CqrsJetStreamModule` and its options token. */
export const {
  ConfigurableModuleClass: ConfigurableCqrsJetStreamModule,
  /** DI token of the options given to `CqrsJetStreamModule.forRoot()` / `forRootAsync()`. */
  MODULE_OPTIONS_TOKEN: CQRS_JETSTREAM_MODULE_OPTIONS,
  OPTIONS_TYPE: CQRS_JETSTREAM_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CQRS_JETSTREAM_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CqrsJetStreamModuleOptions>().setClassMethodName('forRoot').build();
