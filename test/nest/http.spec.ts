import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  Scope,
  type INestApplication,
} from '@nestjs/common';
import { ContextIdFactory, REQUEST } from '@nestjs/core';
import request from 'supertest';
import {
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  Query,
  QueryBus,
  QueryHandler,
  type MessageContext,
} from '../../lib/index.js';
import { createApp } from './test-app.js';

interface User {
  id: string;
  name: string;
  createdBy: string;
}

class CreateUser {
  constructor(
    readonly id: string,
    readonly name: string,
  ) {}
}

class GetUser extends Query<User | undefined> {
  constructor(readonly id: string) {
    super();
  }
}

@Injectable()
class UserStore {
  readonly users = new Map<string, User>();
}

/** Who is calling, read once per HTTP request from its headers. */
@Injectable({ scope: Scope.REQUEST })
class CurrentUser {
  readonly name: string;

  constructor(@Inject(REQUEST) request: { headers: Record<string, string | undefined> }) {
    this.name = request.headers['x-user'] ?? 'anonymous';
  }
}

@CommandHandler(CreateUser, { scope: Scope.REQUEST })
class CreateUserHandler {
  constructor(
    private readonly store: UserStore,
    private readonly currentUser: CurrentUser,
  ) {}

  execute(command: CreateUser, context: MessageContext) {
    this.store.users.set(command.id, {
      id: command.id,
      name: command.name,
      createdBy: `${this.currentUser.name}/${context.headers['x-request'] ?? '-'}`,
    });
  }
}

@QueryHandler(GetUser)
class GetUserHandler {
  constructor(private readonly store: UserStore) {}

  execute(query: GetUser) {
    return this.store.users.get(query.id);
  }
}

@Controller('users')
class UsersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    @Inject(REQUEST) private readonly request: { headers: Record<string, string | undefined> },
  ) {}

  @Post()
  @HttpCode(204)
  async create(@Body() body: { id: string; name: string }) {
    await this.commandBus.dispatch(new CreateUser(body.id, body.name), {
      // Resolve request-scoped handlers in this request's DI sub-tree.
      contextId: ContextIdFactory.getByRequest(this.request),
      headers: { 'x-request': this.request.headers['x-request'] ?? '-' },
    });
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const user = await this.queryBus.ask(new GetUser(id));
    return user ?? { missing: id };
  }
}

@Module({
  controllers: [UsersController],
  providers: [UserStore, CurrentUser, CreateUserHandler, GetUserHandler],
})
class UsersModule {}

let app: INestApplication;

beforeAll(async () => {
  app = await createApp({ imports: [CqrsLiteModule.forRoot(), UsersModule] });
});

afterAll(() => app.close());

describe('over HTTP', () => {
  it('N1: a controller dispatches a command and asks a query through the injected buses', async () => {
    const server = app.getHttpServer();

    await request(server)
      .post('/users')
      .send({ id: 'u1', name: 'Ann' })
      .set('x-user', 'admin')
      .set('x-request', 'r1')
      .expect(204);
    const response = await request(server).get('/users/u1').expect(200);

    expect(response.body).toEqual({ id: 'u1', name: 'Ann', createdBy: 'admin/r1' });
  });

  it("N6: a request-scoped handler dispatched with the request's contextId shares that request's providers", async () => {
    const server = app.getHttpServer();

    // Concurrent requests from different users: each handler sees its own request.
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((who) =>
        request(server)
          .post('/users')
          .send({ id: `id-${who}`, name: who })
          .set('x-user', `user-${who}`)
          .expect(204),
      ),
    );

    for (const who of ['a', 'b', 'c', 'd']) {
      const response = await request(server).get(`/users/id-${who}`).expect(200);
      expect(response.body.createdBy).toBe(`user-${who}/-`);
    }
  });

  it('N1: a query with no result reaches the controller as undefined', async () => {
    const response = await request(app.getHttpServer()).get('/users/nope').expect(200);

    expect(response.body).toEqual({ missing: 'nope' });
  });
});

describe('over a real listening socket', () => {
  it('N1: app.listen(0) serves commands and queries over TCP', async () => {
    const listening = await createApp({ imports: [CqrsLiteModule.forRoot(), UsersModule] });
    try {
      await listening.listen(0, '127.0.0.1');
      const url = await listening.getUrl();

      const created = await fetch(`${url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user': 'tcp' },
        body: JSON.stringify({ id: 't1', name: 'Tess' }),
      });
      expect(created.status).toBe(204);
      const fetched = await fetch(`${url}/users/t1`);
      expect(await fetched.json()).toEqual({ id: 't1', name: 'Tess', createdBy: 'tcp/-' });
    } finally {
      await listening.close();
    }
  });
});
