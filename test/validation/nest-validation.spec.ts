import { Body, Controller, Get, Injectable, Module, Post, type INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsEmail, IsNotEmpty } from 'class-validator';
import request from 'supertest';
import {
  CommandBus,
  CommandHandler,
  CqrsExceptionFilter,
  CqrsLiteModule,
  MessageValidationError,
  QueryBus,
  type CqrsLiteModuleOptions,
  type CqrsMiddleware,
  type Next,
} from '../../lib/index.js';

class SignUp {
  @IsEmail()
  email: string;

  @IsNotEmpty()
  name: string;

  constructor(email: string, name: string) {
    this.email = email;
    this.name = name;
  }
}

class Ping {}
class Unhandled {}
class Explode {}

const log: string[] = [];

@Injectable()
class Recorder implements CqrsMiddleware {
  handle(message: object, next: Next) {
    log.push(`middleware saw ${message.constructor.name}`);
    return next();
  }
}

@CommandHandler(SignUp)
class SignUpHandler {
  execute(command: SignUp) {
    log.push(`signed up ${command.email}`);
  }
}

@CommandHandler(Ping)
class PingHandler {
  execute() {
    log.push('ping');
  }
}

@CommandHandler(Explode)
class ExplodeHandler {
  execute() {
    throw new Error('secret database detail');
  }
}

@Controller()
class SignUpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('sign-up')
  async signUp(@Body() body: { email: string; name: string }) {
    await this.commands.dispatch(new SignUp(body.email, body.name));
    return { ok: true };
  }

  @Get('unhandled')
  unhandled() {
    return this.queries.ask(new Unhandled());
  }

  @Post('explode')
  explode() {
    return this.commands.dispatch(new Explode());
  }
}

async function createApp(options: CqrsLiteModuleOptions = {}, filter: 'global' | 'provider' = 'global') {
  @Module({
    imports: [CqrsLiteModule.forRoot({ middleware: [Recorder], ...options })],
    controllers: [SignUpController],
    providers: [
      SignUpHandler,
      PingHandler,
      ExplodeHandler,
      ...(filter === 'provider' ? [{ provide: APP_FILTER, useClass: CqrsExceptionFilter }] : []),
    ],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (filter === 'global') app.useGlobalFilters(new CqrsExceptionFilter());
  await app.init();
  return app;
}

describe('validation in the Nest module (SPEC §9)', () => {
  let app: INestApplication | undefined;
  beforeEach(() => {
    log.length = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('V1: is on by default and runs after all other middleware, right before the handler', async () => {
    app = await createApp();
    const error = await app
      .get(CommandBus)
      .dispatch(new SignUp('not-an-email', 'Ann'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageValidationError);
    expect(log).toEqual(['middleware saw SignUp']);
    expect(
      app
        .get(CommandBus)
        .registrations()
        .find((r) => r.messageType === SignUp)?.middleware,
    ).toEqual(['Recorder', 'ValidationMiddleware']);
  });

  it('V1: classes without constraints get no validation step at all', async () => {
    app = await createApp();
    const ping = app
      .get(CommandBus)
      .registrations()
      .find((r) => r.messageType === Ping);
    expect(ping?.middleware).toEqual(['Recorder']);
  });

  it('V1: validation: false turns it off', async () => {
    app = await createApp({ validation: false });
    await app.get(CommandBus).dispatch(new SignUp('not-an-email', ''));
    expect(log).toEqual(['middleware saw SignUp', 'signed up not-an-email']);
  });

  it('V3: module ValidatorOptions are honoured', async () => {
    app = await createApp({ validation: { whitelist: true, forbidNonWhitelisted: true } });
    const message = Object.assign(new SignUp('ann@example.com', 'Ann'), { admin: true });
    await expect(app.get(CommandBus).dispatch(message)).rejects.toThrow(/admin/);
  });

  it.each(['global', 'provider'] as const)(
    'V4: CqrsExceptionFilter (%s) maps an invalid message to 400 with the failing properties',
    async (filter) => {
      app = await createApp({}, filter);
      const response = await request(app.getHttpServer()).post('/sign-up').send({ email: 'nope', name: '' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(response.body.violations.map((v: { property: string }) => v.property).sort()).toEqual([
        'email',
        'name',
      ]);
      expect(response.body.message).toContain('email must be an email');
      const ok = await request(app.getHttpServer())
        .post('/sign-up')
        .send({ email: 'ann@example.com', name: 'Ann' });
      expect(ok.status).toBe(201);
    },
  );

  it.each(['global', 'provider'] as const)('V4: maps a missing handler to 501 (%s)', async (filter) => {
    app = await createApp({}, filter);
    const response = await request(app.getHttpServer()).get('/unhandled');
    expect(response.status).toBe(501);
    expect(JSON.stringify(response.body)).not.toMatch(/Unhandled/);
  });

  it('V4: leaves other errors to Nest, which answers 500 without leaking their text', async () => {
    app = await createApp();
    const response = await request(app.getHttpServer()).post('/explode');
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/secret/);
  });
});
