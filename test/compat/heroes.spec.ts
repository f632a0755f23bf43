/**
 * The Nest author's heroes example, written for @nestjs/cqrs and migrated by following
 * docs/migrating-from-nestjs-cqrs.md literally: imports changed, execute() → dispatch()/ask(),
 * commit() awaited, a request-scoped handler resolved per HTTP request. Everything else is as a
 * @nestjs/cqrs application has it: a repository, an aggregate with on<Event> handlers, event
 * handlers, and a saga with delay().
 */
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  Req,
  Scope,
  type INestApplication,
} from '@nestjs/common';
import { ContextIdFactory, ModuleRef, REQUEST } from '@nestjs/core';
import { delay, map, type Observable } from 'rxjs';
import request from 'supertest';
import {
  AggregateRoot,
  CommandBus,
  CommandHandler,
  CqrsLiteModule,
  EventPublisher,
  EventsHandler,
  ofType,
  Query,
  QueryBus,
  QueryHandler,
  Saga,
  type ICommand,
  type ICommandHandler,
  type IEventHandler,
  type IQueryHandler,
  type MessageContext,
} from '../../lib/index.js';
import { createApp } from '../nest/test-app.js';

// --- commands, queries, events (unchanged apart from Command<R> → plain classes) -------------------
class KillDragonCommand {
  constructor(
    readonly heroId: string,
    readonly dragonId: string,
  ) {}
}
class DropAncientItemCommand {
  constructor(
    readonly heroId: string,
    readonly itemId: string,
  ) {}
}
class GetHeroesQuery extends Query<Hero[]> {}
class HeroKilledDragonEvent {
  constructor(
    readonly heroId: string,
    readonly dragonId: string,
  ) {}
}
class HeroFoundItemEvent {
  constructor(
    readonly heroId: string,
    readonly itemId: string,
  ) {}
}

// --- the aggregate --------------------------------------------------------------------------------
class Hero extends AggregateRoot {
  kills: string[] = [];
  items: string[] = [];

  constructor(readonly id: string) {
    super();
  }

  killEnemy(enemyId: string) {
    this.apply(new HeroKilledDragonEvent(this.id, enemyId));
  }

  addItem(itemId: string) {
    this.apply(new HeroFoundItemEvent(this.id, itemId));
  }

  onHeroKilledDragonEvent(event: HeroKilledDragonEvent) {
    this.kills.push(event.dragonId);
  }

  onHeroFoundItemEvent(event: HeroFoundItemEvent) {
    this.items.push(event.itemId);
  }
}

@Injectable()
class HeroRepository {
  private readonly heroes = new Map<string, Hero>([['1', new Hero('1')]]);
  findOneById(id: string): Hero {
    return this.heroes.get(id)!;
  }
  findAll(): Hero[] {
    return [...this.heroes.values()];
  }
}

// --- handlers -------------------------------------------------------------------------------------
@CommandHandler(KillDragonCommand, { scope: Scope.REQUEST })
class KillDragonHandler implements ICommandHandler<KillDragonCommand> {
  constructor(
    private readonly repository: HeroRepository,
    private readonly publisher: EventPublisher,
    @Inject(REQUEST) private readonly req: { headers: Record<string, string | undefined> },
    @Inject('AUDIT') private readonly audit: string[],
  ) {}

  async execute(command: KillDragonCommand, context: MessageContext) {
    this.audit.push(`kill by ${this.req.headers['x-player']}`);
    const hero = this.publisher.mergeObjectContext(this.repository.findOneById(command.heroId));
    hero.killEnemy(command.dragonId);
    await hero.commit({ causedBy: context }); // the guide: commit() returns a promise
  }
}

@CommandHandler(DropAncientItemCommand)
class DropAncientItemHandler implements ICommandHandler<DropAncientItemCommand> {
  constructor(
    private readonly repository: HeroRepository,
    private readonly publisher: EventPublisher,
  ) {}

  async execute(command: DropAncientItemCommand, context: MessageContext) {
    const hero = this.publisher.mergeObjectContext(this.repository.findOneById(command.heroId));
    hero.addItem(command.itemId);
    await hero.commit({ causedBy: context });
  }
}

@QueryHandler(GetHeroesQuery)
class GetHeroesHandler implements IQueryHandler<GetHeroesQuery> {
  constructor(private readonly repository: HeroRepository) {}
  async execute() {
    return this.repository.findAll();
  }
}

@EventsHandler(HeroKilledDragonEvent)
class HeroKilledDragonHandler implements IEventHandler<HeroKilledDragonEvent> {
  constructor(@Inject('AUDIT') private readonly audit: string[]) {}
  handle(event: HeroKilledDragonEvent) {
    this.audit.push(`killed ${event.dragonId}`);
  }
}

@EventsHandler(HeroFoundItemEvent)
class HeroFoundItemHandler implements IEventHandler<HeroFoundItemEvent> {
  constructor(@Inject('AUDIT') private readonly audit: string[]) {}
  handle(event: HeroFoundItemEvent, context: MessageContext) {
    this.audit.push(`found ${event.itemId} [${context.correlationId}]`);
  }
}

// --- the saga (unchanged apart from the import) ---------------------------------------------------
@Injectable()
class HeroesGameSagas {
  @Saga()
  dragonKilled = (events$: Observable<any>): Observable<ICommand> =>
    events$.pipe(
      ofType(HeroKilledDragonEvent),
      delay(20),
      map((event) => new DropAncientItemCommand(event.heroId, 'ancient-sword')),
    );
}

// --- HTTP ---------------------------------------------------------------------------------------
@Controller('hero')
class HeroesGameController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly moduleRef: ModuleRef,
  ) {}

  @Post(':id/kill')
  async killDragon(@Param('id') id: string, @Req() req: object) {
    const contextId = ContextIdFactory.getByRequest(req);
    this.moduleRef.registerRequestByContextId(req, contextId);
    await this.commandBus.dispatch(new KillDragonCommand(id, 'smaug'), {
      contextId,
      correlationId: 'quest-1',
    });
    return { ok: true };
  }

  @Get()
  async findAll() {
    return this.queryBus.ask(new GetHeroesQuery());
  }
}

@Module({
  imports: [CqrsLiteModule.forRoot({ propagateContext: true })],
  controllers: [HeroesGameController],
  providers: [
    { provide: 'AUDIT', useValue: [] },
    HeroRepository,
    KillDragonHandler,
    DropAncientItemHandler,
    GetHeroesHandler,
    HeroKilledDragonHandler,
    HeroFoundItemHandler,
    HeroesGameSagas,
  ],
})
class HeroesGameModule {}

describe('the heroes example migrated from @nestjs/cqrs', () => {
  let app: INestApplication | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  afterEach(async () => {
    await app?.close();
    app = undefined;
    expect(unhandled).toEqual([]);
  });

  it('runs end to end over HTTP: command → aggregate events → saga after delay() → command → events, correlated', async () => {
    app = await createApp({ imports: [HeroesGameModule] });
    const server = app.getHttpServer();
    await request(server).post('/hero/1/kill').set('x-player', 'ada').expect(201);
    const audit = app.get<string[]>('AUDIT');
    expect(audit).toEqual(['kill by ada', 'killed smaug']);
    await new Promise((resolve) => setTimeout(resolve, 60)); // the saga's delay()
    expect(audit).toEqual(['kill by ada', 'killed smaug', 'found ancient-sword [quest-1]']);
    const heroes = await request(server).get('/hero').expect(200);
    expect(heroes.body).toEqual([{ id: '1', kills: ['smaug'], items: ['ancient-sword'] }]);
  });

  it('the saga’s delayed command is drained or dropped cleanly on close, never an unhandled rejection', async () => {
    app = await createApp({ imports: [HeroesGameModule] });
    await request(app.getHttpServer()).post('/hero/1/kill').set('x-player', 'grace').expect(201);
    await app.close();
    app = undefined;
    await new Promise((resolve) => setTimeout(resolve, 60));
  });
});
