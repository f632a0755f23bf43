import { Scope, type INestApplication } from '@nestjs/common';
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

class RegisterUser {}
class SendWelcome {}
class GetTemplate extends Query<string> {}

const contexts: Record<string, MessageContext> = {};

@CommandHandler(RegisterUser)
class RegisterUserHandler {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  async execute(_command: RegisterUser, context: MessageContext) {
    contexts.register = context;
    await this.queryBus.ask(new GetTemplate());
    // No causedBy given: with propagateContext it defaults to this handler's context.
    await this.commandBus.dispatch(new SendWelcome());
  }
}

@CommandHandler(SendWelcome, { scope: Scope.REQUEST })
class SendWelcomeHandler {
  execute(_command: SendWelcome, context: MessageContext) {
    contexts.welcome = context;
  }
}

@QueryHandler(GetTemplate)
class GetTemplateHandler {
  execute(_query: GetTemplate, context: MessageContext) {
    contexts.template = context;
    return 'hello';
  }
}

const handlers = [RegisterUserHandler, SendWelcomeHandler, GetTemplateHandler];

let app: INestApplication | undefined;

beforeEach(() => {
  for (const key of Object.keys(contexts)) delete contexts[key];
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('propagateContext module option', () => {
  it('C2: with propagateContext, a follow-up command and query dispatched by a handler are caused by it', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ propagateContext: true })],
      providers: handlers,
    });

    await app.get(CommandBus).dispatch(new RegisterUser(), { correlationId: 'corr-1' });

    const { register, welcome, template } = contexts;
    expect(register!.correlationId).toBe('corr-1');
    expect(register!.causationId).toBeUndefined();
    expect(welcome!.causationId).toBe(register!.id);
    expect(welcome!.correlationId).toBe('corr-1');
    expect(welcome!.id).not.toBe(register!.id);
    expect(template!.causationId).toBe(register!.id);
    expect(template!.correlationId).toBe('corr-1');
  });

  it('C2: propagation through forRootAsync options works the same way', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRootAsync({ useFactory: () => ({ propagateContext: true }) })],
      providers: handlers,
    });

    await app.get(CommandBus).dispatch(new RegisterUser());

    const { register, welcome } = contexts;
    expect(welcome!.causationId).toBe(register!.id);
    // Without an explicit correlation id, the chain correlates on the first message's id.
    expect(welcome!.correlationId).toBe(register!.id);
  });

  it('C2: propagation is off by default: a follow-up dispatch starts a new correlation', async () => {
    app = await createApp({ imports: [CqrsLiteModule.forRoot()], providers: handlers });

    await app.get(CommandBus).dispatch(new RegisterUser(), { correlationId: 'corr-2' });

    const { register, welcome, template } = contexts;
    expect(register!.correlationId).toBe('corr-2');
    expect(welcome!.causationId).toBeUndefined();
    expect(welcome!.correlationId).toBe(welcome!.id);
    expect(template!.causationId).toBeUndefined();
  });

  it('C2: a dispatch outside any handler is not caused by an earlier one', async () => {
    app = await createApp({
      imports: [CqrsLiteModule.forRoot({ propagateContext: true })],
      providers: handlers,
    });

    await app.get(CommandBus).dispatch(new RegisterUser());
    await app.get(CommandBus).dispatch(new SendWelcome());

    expect(contexts.welcome!.causationId).toBeUndefined();
  });
});
