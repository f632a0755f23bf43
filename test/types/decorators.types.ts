/** Decorators take message classes and decorate classes only; module options take middleware tokens. */
import { Scope } from '@nestjs/common';
import { expectTypeOf } from 'expect-type';
import {
  Command,
  CommandHandler,
  CqrsLiteModule,
  Message,
  Query,
  QueryHandler,
  UseMiddleware,
  type CqrsLiteModuleOptions,
  type CqrsMiddleware,
  type ICommandHandler,
  type IQueryHandler,
  type MiddlewareToken,
  type Next,
} from '../../lib/index.js';

class CreateUser extends Command {}
class GetCount extends Query<number> {}
class Logging implements CqrsMiddleware {
  handle(_message: object, next: Next): Promise<unknown> {
    return next();
  }
}

@CommandHandler(CreateUser)
@UseMiddleware(Logging, 'AUDIT', Symbol('cache'), (_m, next) => next())
export class CreateUserHandler implements ICommandHandler<CreateUser> {
  execute(): void {}
}

@QueryHandler(GetCount, { scope: Scope.REQUEST })
@Message({ name: 'counts.get', version: 2 })
export class GetCountHandler implements IQueryHandler<GetCount> {
  execute(): number {
    return 1;
  }
}

// The message must be a class: not an instance, a string or an arrow function.
// @ts-expect-error an instance is not a message class
CommandHandler(new CreateUser());
// @ts-expect-error a string is not a message class
QueryHandler('GetCount');
// @ts-expect-error an arrow function is not a class
CommandHandler(() => undefined);
// @ts-expect-error the scope option takes a Nest Scope
QueryHandler(GetCount, { scope: 'request' });

// They decorate classes only, not methods or properties.
export class NotAHandler {
  // @ts-expect-error @CommandHandler is a class decorator
  @CommandHandler(CreateUser)
  execute(): void {}
  // @ts-expect-error @UseMiddleware is a class decorator
  @UseMiddleware(Logging)
  field = 1;
}

// @ts-expect-error @UseMiddleware takes tokens, not middleware instances
UseMiddleware(new Logging());
// @ts-expect-error @Message takes a name and version
Message({ name: 'x', version: '2' });

// Module options are typed; forRoot() and forRootAsync() return a dynamic module.
const options: CqrsLiteModuleOptions = {
  middleware: [Logging, 'TOKEN'],
  commandMiddleware: [(_m, next) => next()],
  validation: { whitelist: true },
  propagateContext: true,
};
expectTypeOf(CqrsLiteModule.forRoot(options).module).toEqualTypeOf<import('@nestjs/common').Type<any>>();
CqrsLiteModule.forRootAsync({ useFactory: () => options, global: false });
// @ts-expect-error unknown option
CqrsLiteModule.forRoot({ middlewares: [] });
// @ts-expect-error a number is not a middleware token
const badToken: MiddlewareToken = 42;
void badToken;

// A decorated query handler must return what its query declares.
export class GetName extends Query<string> {}

// @ts-expect-error execute() returns a number where GetName declares a string
@QueryHandler(GetName)
export class WrongResultHandler {
  execute() {
    return 42;
  }
}

@QueryHandler(GetName)
export class AsyncNameHandler {
  async execute(query: GetName) {
    return `name of ${query.constructor.name}`;
  }
}
