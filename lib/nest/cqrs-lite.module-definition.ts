import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';

/** Builds `forRoot` / `forRootAsync` and the options token; `global` (default true) is an extra. */
export const {
  ConfigurableModuleClass: ConfigurableCqrsLiteModule,
  /** DI token of the options given to `forRoot()` / `forRootAsync()`. */
  MODULE_OPTIONS_TOKEN: CQRS_LITE_MODULE_OPTIONS,
  OPTIONS_TYPE: CQRS_LITE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CQRS_LITE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CqrsLiteModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ global: true }, (definition, extras) => ({ ...definition, global: extras.global }))
  .build();
