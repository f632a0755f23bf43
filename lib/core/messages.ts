/** A class whose instances are `T` (the same shape as Nest's `Type`). */
export interface Type<T = any> extends Function {
  new (...args: any[]): T;
}

/** Type-only key under which `Query<TResult>` carries its result type. Never exists at run time. */
declare const queryResultType: unique symbol;

/** Optional base class for commands: messages that change state and return nothing. */
export class Command {}

/**
 * Optional base class for queries: messages that return data and change nothing.
 * `TResult` is what `queryBus.ask()` resolves to. It is carried by a type-only member, so it
 * costs nothing at run time. Usually subclassed (`class GetUser extends Query<User> {}`); a bare
 * `new Query<string>()` works too (its handler is then registered for `Query` itself).
 */
export class Query<TResult = unknown> {
  /** Carries `TResult` for type inference only; never set at run time. */
  declare readonly [queryResultType]: TResult;
}

/** Any command, as `@nestjs/cqrs` names it: every class instance can be one. */
export type ICommand = object;

/** Any query, as `@nestjs/cqrs` names it: every class instance can be one. */
export type IQuery = object;

/** Any event, as `@nestjs/cqrs` names it: every class instance can be one. */
export type IEvent = object;

/** The result type a query declares through `Query<TResult>` (`unknown` otherwise). */
export type QueryResult<Q> = Q extends Query<infer R> ? R : unknown;

/** How a message class is known outside the process (SPEC §10). */
export interface MessageMetadata {
  /** Stable name used in envelopes and logs. Defaults to the class name. */
  name?: string;
  /** Schema version of the message. Defaults to 1. */
  version?: number;
}

const messageMetadata = new WeakMap<Function, Required<MessageMetadata>>();

/**
 * Names and versions a message class: `@Message({ name: 'users.create', version: 2 })`.
 * Without it a class is known by its class name, version 1.
 */
export function Message(metadata: MessageMetadata = {}): ClassDecorator {
  const { name, version = 1 } = metadata;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new TypeError(`@Message({ name }) must be a non-empty string, got ${String(name)}.`);
  }
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new TypeError(`@Message({ version }) must be a positive integer, got ${String(version)}.`);
  }
  return (target) => {
    messageMetadata.set(target, { name: name ?? target.name, version });
  };
}

/** The name and version of a message class (the class name and 1 unless `@Message` says otherwise). */
export function getMessageMetadata(type: Function): Required<MessageMetadata> {
  return messageMetadata.get(type) ?? { name: type.name, version: 1 };
}
