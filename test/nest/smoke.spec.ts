import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CommandBus, CommandHandler, CqrsLiteModule, QueryBus, QueryHandler, Query, UseMiddleware, type CqrsMiddleware, type Next } from '../../lib/index.js';

class Ping {}
class GetN extends Query<number> {}
const log: string[] = [];

@Injectable()
class Mw implements CqrsMiddleware {
  handle(_m: object, next: Next) { log.push('mw'); return next(); }
}

@CommandHandler(Ping)
@UseMiddleware(Mw)
class PingHandler { execute() { log.push('ping'); } }

@QueryHandler(GetN)
class GetNHandler { execute() { return 7; } }

@Module({ providers: [PingHandler, GetNHandler] })
class Feature {}

it('nest smoke', async () => {
  const ref = await Test.createTestingModule({ imports: [CqrsLiteModule.forRoot(), Feature] }).compile();
  const app = ref.createNestApplication();
  await app.init();
  await app.get(CommandBus).dispatch(new Ping());
  expect(log).toEqual(['mw', 'ping']);
  expect(await app.get(QueryBus).ask(new GetN())).toBe(7);
  await app.close();
});
