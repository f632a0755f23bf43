import type { InjectionToken } from '@nestjs/common';
import type { Type } from '../core/messages.js';
import type { MessageAuthenticationOptions } from './message-authentication.js';
import type { ReceiverSecurityOptions } from './receiving.js';
import type { ReplayProtectionOptions } from './replay-guard.js';

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
  /** Event classes published to other processes as well as to local handlers (events transport). */
  events?: Type[];
  /**
   * Milliseconds to wait for the answer of each remote dispatch (default 5000; an integer from 1
   * to 2³¹−1). Override it per dispatch with the `cqrs-timeout` header.
   */
  timeout?: number;
  /** First part of every subject (default `cqrs`); must match the receiver's. */
  subjectPrefix?: string;
  /**
   * HMAC-SHA256 message authentication: envelopes are signed with `signingKey`, and replies must
   * be signed by a key in `verificationKeys` (else `MessageAuthenticationError`).
   */
  authentication?: MessageAuthenticationOptions;
}

/** Options of `CqrsRemoteModule.serve()`: which messages other processes may send to this one, and what is trusted. */
export interface CqrsRemoteServeOptions extends ReceiverSecurityOptions {
  /** Command classes served here (their handlers are registered on this application's buses). */
  commands?: Type[];
  /** Query classes served here. */
  queries?: Type[];
  /** Event classes received from other processes and published on this application's EventBus (events transport). */
  events?: Type[];
  /** First part of every subject (default `cqrs`); must match the senders'. */
  subjectPrefix?: string;
  /**
   * Transport extras of the message patterns, e.g. `{ queue: 'orders' }` so that replicas of one
   * service share the load of a NATS subject instead of each handling every message.
   */
  extras?: Record<string, unknown>;
  /**
   * Refuse an envelope whose id was already received, or whose timestamp is older than `maxAgeMs`
   * (use with `authentication`, so that a peer cannot make up fresh ids).
   */
  replayProtection?: ReplayProtectionOptions;
}
