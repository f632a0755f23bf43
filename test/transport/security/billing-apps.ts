/**
 * A billing service for the security tests: serves billing.charge, billing.refund and
 * billing.balance over NATS through CqrsNatsServer, records every handler run, and has an
 * authorisation middleware that trusts x-user-id / x-role only for local dispatches. A sender
 * application routes the same messages there.
 */
import { randomUUID } from 'node:crypto';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  CommandHandler,
  CqrsLiteModule,
  Message,
  Query,
  QueryHandler,
  type MessageContext,
  type MiddlewareFn,
} from '../../../lib/index.js';
import {
  CqrsNatsServer,
  CqrsRemoteModule,
  type CqrsRemoteModuleOptions,
  type CqrsRemoteServeOptions,
} from '../../../lib/transport/index.js';

@Message({ name: 'billing.charge' })
export class Charge {
  constructor(
    readonly account: string,
    readonly cents: number,
  ) {}
}

@Message({ name: 'billing.refund' })
export class Refund {
  constructor(
    readonly account: string,
    readonly cents: number,
  ) {}
}

@Message({ name: 'billing.balance' })
export class Balance extends Query<number> {
  constructor(
    readonly account: string,
    readonly delayMs = 0,
  ) {
    super();
  }
}

/** What ran on the billing service. */
export class BillingLog {
  readonly runs: Array<{ name: string; message: object; context: MessageContext }> = [];
  /** What the authorisation middleware decided, per message. */
  readonly decisions: Array<{ name: string; origin: string | undefined; role: string | undefined }> = [];
  ran(name: string): number {
    return this.runs.filter((run) => run.name === name).length;
  }
}

@Injectable()
@CommandHandler(Charge)
class ChargeHandler {
  constructor(private readonly log: BillingLog) {}
  execute(command: Charge, context: MessageContext) {
    this.log.runs.push({ name: 'billing.charge', message: command, context });
  }
}

@Injectable()
@CommandHandler(Refund)
class RefundHandler {
  constructor(private readonly log: BillingLog) {}
  execute(command: Refund, context: MessageContext) {
    this.log.runs.push({ name: 'billing.refund', message: command, context });
  }
}

@Injectable()
@QueryHandler(Balance)
class BalanceHandler {
  constructor(private readonly log: BillingLog) {}
  async execute(query: Balance, context: MessageContext) {
    this.log.runs.push({ name: 'billing.balance', message: query, context });
    if (query.delayMs) await new Promise((resolve) => setTimeout(resolve, query.delayMs));
    return 100;
  }
}

export interface Billing {
  app: INestApplication;
  log: BillingLog;
  prefix: string;
  subject(kind: 'command' | 'query', name: string): string;
  close(): Promise<void>;
}

/** The billing service, serving with `options` (subjectPrefix set to a fresh one unless given). */
export async function startBilling(
  url: string,
  options: Partial<CqrsRemoteServeOptions> = {},
  nats: Record<string, unknown> = {},
): Promise<Billing> {
  const prefix = options.subjectPrefix ?? `sec-${randomUUID().slice(0, 8)}`;
  const log = new BillingLog();
  // Roles from headers are believed only when the dispatch started in this process.
  const authorise: MiddlewareFn = (message, next, context) => {
    const role = context.origin === 'local' ? context.headers['x-role'] : undefined;
    log.decisions.push({ name: context.messageName, origin: context.origin, role });
    return next();
  };

  @Module({
    imports: [
      CqrsLiteModule.forRoot({ middleware: [authorise] }),
      CqrsRemoteModule.serve({
        commands: [Charge, Refund],
        queries: [Balance],
        ...options,
        subjectPrefix: prefix,
      }),
    ],
    providers: [{ provide: BillingLog, useValue: log }, ChargeHandler, RefundHandler, BalanceHandler],
  })
  class BillingModule {}

  const ref = await Test.createTestingModule({ imports: [BillingModule] }).compile();
  const app = ref.createNestApplication({ logger: false });
  app.connectMicroservice({
    strategy: new CqrsNatsServer({
      servers: [url],
      ...nats,
      ...(options.limits ? { limits: options.limits } : {}),
    }),
  });
  await app.startAllMicroservices();
  await app.init();
  return {
    app,
    log,
    prefix,
    subject: (kind, name) => `${prefix}.${kind}.${name}`,
    close: () => app.close(),
  };
}

/** A sender routing Charge, Refund and Balance to `prefix` through `CqrsRemoteModule.forRoot()`. */
export async function startBillingSender(
  url: string,
  prefix: string,
  options: Partial<CqrsRemoteModuleOptions> = {},
  nats: Record<string, unknown> = {},
): Promise<INestApplication> {
  @Module({
    imports: [
      CqrsLiteModule.forRoot(),
      ClientsModule.register([
        { name: 'BILLING', transport: Transport.NATS, options: { servers: [url], ...nats } },
      ]),
      CqrsRemoteModule.forRoot({
        client: 'BILLING',
        commands: [Charge, Refund],
        queries: [Balance],
        timeout: 2_000,
        subjectPrefix: prefix,
        ...options,
      }),
    ],
  })
  class SenderModule {}
  const ref = await Test.createTestingModule({ imports: [SenderModule] }).compile();
  const app = ref.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** An envelope for `name` as a hostile peer would write it (valid unless `change` says otherwise). */
export function rawEnvelope(
  kind: 'command' | 'query',
  name: string,
  payload: Record<string, unknown>,
  change: Record<string, unknown> = {},
): Record<string, unknown> {
  const id = randomUUID();
  return {
    id,
    name,
    version: 1,
    kind,
    correlationId: id,
    timestamp: new Date().toISOString(),
    headers: {},
    payload,
    ...change,
  };
}
