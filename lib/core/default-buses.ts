import { CommandBus, type CommandHandlerFn, type ICommandHandler } from './command-bus.js';
import type { Type } from './messages.js';
import { QueryBus, type IQueryHandler, type QueryHandlerFn } from './query-bus.js';

/** A process-wide command bus for scripts and prototypes. Nest apps inject their own instead. */
export const defaultCommandBus = new CommandBus();

/** A process-wide query bus for scripts and prototypes. Nest apps inject their own instead. */
export const defaultQueryBus = new QueryBus();

/**
 * Registers the handler it is given for `type` on `bus` and returns that handler unchanged:
 * `const createUser = command(CreateUser)((cmd) => { ... })`.
 */
export function command<C extends object>(type: Type<C>, bus: CommandBus = defaultCommandBus) {
  return <H extends CommandHandlerFn<C> | ICommandHandler<C>>(handler: H): H => {
    bus.register(type, handler);
    return handler;
  };
}

/**
 * Registers the handler it is given for `type` on `bus` and returns that handler unchanged:
 * `const getUser = query(GetUser)((q) => users.get(q.id))`.
 */
export function query<Q extends object>(type: Type<Q>, bus: QueryBus<any> = defaultQueryBus) {
  return <H extends QueryHandlerFn<Q> | IQueryHandler<Q>>(handler: H): H => {
    bus.register(type, handler);
    return handler;
  };
}
