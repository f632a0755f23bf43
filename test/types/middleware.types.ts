/** Middleware and the message context are typed: what `next` returns, what a context holds. */
import { expectTypeOf } from 'expect-type';
import {
  CommandBus,
  QueryBus,
  type CqrsMiddleware,
  type DispatchOptions,
  type MessageContext,
  type Middleware,
  type MiddlewareFn,
  type Next,
} from '../../lib/index.js';

// A middleware function's parameters are inferred from MiddlewareFn.
export const logging: MiddlewareFn = async (message, next, context) => {
  expectTypeOf(message).toEqualTypeOf<object>();
  expectTypeOf(next).toEqualTypeOf<Next>();
  expectTypeOf(next()).toEqualTypeOf<Promise<unknown>>();
  expectTypeOf(context).toEqualTypeOf<MessageContext>();
  return next();
};

// next() takes no argument or a replacement message object, nothing else.
export const replacing: MiddlewareFn = (message, next) => next({ ...message });
// @ts-expect-error next() takes a message object, not a string
export const badNext: MiddlewareFn = (_message, next) => next('other');

export class Timing implements CqrsMiddleware {
  async handle(_message: object, next: Next, context: MessageContext): Promise<unknown> {
    context.items.set('started', Date.now());
    return next();
  }
}
export class NotMiddleware implements CqrsMiddleware {
  // @ts-expect-error handle() must accept (message, next, context): a number is not a message
  handle(message: number): unknown {
    return message;
  }
}

// Buses accept both forms, in the constructor, use() and register().
const middleware: Middleware[] = [logging, new Timing()];
new CommandBus({ middleware }).use(replacing);
new QueryBus().use(new Timing(), logging);
// @ts-expect-error a string is not a middleware on a standalone bus (tokens are for the Nest module)
new CommandBus({ middleware: ['LOGGING'] });
// @ts-expect-error an object without handle() is not a middleware
new QueryBus().use({ run: () => undefined });

// The context is read-only and fully typed.
declare const context: MessageContext;
expectTypeOf(context.kind).toEqualTypeOf<'command' | 'query' | 'event'>();
expectTypeOf(context.id).toBeString();
expectTypeOf(context.correlationId).toBeString();
expectTypeOf(context.causationId).toEqualTypeOf<string | undefined>();
expectTypeOf(context.timestamp).toEqualTypeOf<Date>();
expectTypeOf(context.headers).toEqualTypeOf<Readonly<Record<string, string>>>();
expectTypeOf(context.items).toEqualTypeOf<Map<unknown, unknown>>();
// @ts-expect-error the context is read-only
context.correlationId = 'changed';
// @ts-expect-error headers are frozen
context.headers['x-user-id'] = 'u1';

// causedBy takes a context: a follow-up message is typed.
const followUp: DispatchOptions = { causedBy: context, headers: { 'x-user-id': 'u1' } };
expectTypeOf(followUp.causedBy).toEqualTypeOf<MessageContext | undefined>();
