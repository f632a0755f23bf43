import type { InjectionToken } from '@nestjs/common';
import type { Type } from '../core/messages.js';

/** Options of `CqrsRemoteModule.forRoot()`: which messages are handled elsewhere, and how they get there. */
export interface CqrsRemoteModuleOptions {
  /**
   * The DI token of the `ClientProxy` that carries them: the `name` given to
   * `ClientsModule.register()`, or any provider whose value is a `ClientProxy`.
   */
  client: InjectionToken;
  /** Command classes whose handler runs in another process. */
  commands?: Type[];
  /** Query classes whose handler runs in another process. */
  queries?: Type[];
  /**
   * Milliseconds to wait for the answer of each remote dispatch (default 5000). Override it per
   * dispatch with the `cqrs-timeout` header.
   */
  timeout?: number;
  /** First part of every subject (default `cqrs`); must match the receiver's. */
  subjectPrefix?: string;
}

/** Options of `CqrsRemoteModule.serve()`: which messages other processes may send to this one. */
export interface CqrsRemoteServeOptions {
  /** Command classes served here (their handlers are registered on this application's buses). */
  commands?: Type[];
  /** Query classes served here. */
  queries?: Type[];
  /** First part of every subject (default `cqrs`); must match the senders'. */
  subjectPrefix?: string;
  /**
   * Transport extras of the message patterns, e.g. `{ queue: 'orders' }` so that replicas of one
   * service share the load of a NATS subject instead of each handling every message.
   */
  extras?: Record<string, unknown>;
}
