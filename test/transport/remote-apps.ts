/**
 * Two Nest applications for the remote transport tests: a receiver that serves commands and
 * queries over a NATS microservice with its own buses, and a sender that routes them there
 * through `CqrsRemoteModule.forRoot()`. Every pair uses its own subject prefix, so test files
 * sharing one NATS server (CI) cannot answer each other's messages.
 */
import { randomUUID } from 'node:crypto';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { ClientsModule, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  CommandHandler,
  CqrsLiteModule,
  Query,
  QueryHandler,
  type MessageContext,
  type MiddlewareFn,
} from '../../lib/index.js';
import { CqrsRemoteModule } from '../../lib/transport/index.js';

import { ArchiveOrder, OutOfStockError, PlaceOrder, ShipOrder } from './order-messages.js';

export { ArchiveOrder, OutOfStockError, PlaceOrder, ShipOrder };

export interface OrderView {
  orderId: string;
  quantity: number;
  placedBy: string | undefined;
}

export class GetOrder extends Query<OrderView | undefined> {
  constructor(readonly orderId: string) {
    super();
  }
}

export class SlowQuery extends Query<string> {
  constructor(readonly ms: number) {
    super();
  }
}

/** Served by the receiver (listed in serve()) but no handler is registered for it there. */
export class CancelOrder {
  constructor(readonly orderId: string) {}
}

/** Registered on the receiver's bus, but not served: other processes must not be able to run it. */
export class InternalReset {}

/** What the receiver's handlers and middleware saw. */
export class ReceiverLog {
  readonly contexts: MessageContext[] = [];
  readonly middleware: string[] = [];
  readonly orders = new Map<string, OrderView>();
}

@Injectable()
@CommandHandler(PlaceOrder)
class PlaceOrderHandler {
  constructor(private readonly log: ReceiverLog) {}
  execute(command: PlaceOrder, context: MessageContext) {
    this.log.contexts.push(context);
    if (!(command instanceof PlaceOrder)) throw new Error('not rebuilt as a PlaceOrder');
    this.log.orders.set(command.orderId, { ...command, placedBy: context.headers['x-user'] });
  }
}

@Injectable()
@QueryHandler(GetOrder)
class GetOrderHandler {
  constructor(private readonly log: ReceiverLog) {}
  execute(query: GetOrder, context: MessageContext) {
    this.log.contexts.push(context);
    return this.log.orders.get(query.orderId);
  }
}

@Injectable()
@QueryHandler(SlowQuery)
class SlowQueryHandler {
  async execute(query: SlowQuery) {
    await new Promise((resolve) => setTimeout(resolve, query.ms));
    return `slept ${query.ms} ms`;
  }
}

@Injectable()
@CommandHandler(ShipOrder)
class ShipOrderHandler {
  execute(command: ShipOrder) {
    throw new OutOfStockError(command.orderId);
  }
}

@Injectable()
@CommandHandler(InternalReset)
class InternalResetHandler {
  constructor(private readonly log: ReceiverLog) {}
  execute() {
    this.log.orders.clear();
  }
}

/** A NATS client option that brings a client back within a few hundred ms of a broker restart. */
const natsOptions = (url: string) => ({ servers: [url], reconnectTimeWait: 100 });

export interface RemotePair {
  receiver: INestApplication;
  sender: INestApplication;
  log: ReceiverLog;
  /** Names of the sender's middleware calls. */
  senderMiddleware: string[];
  /** The sender's client. */
  client: ClientProxy;
  prefix: string;
  close(): Promise<void>;
}

/** Starts a receiver serving the messages above and a sender routing them to it, on one NATS server. */
export async function startRemotePair(url: string, options: { timeout?: number } = {}): Promise<RemotePair> {
  const prefix = `test-${randomUUID()}`;
  const log = new ReceiverLog();
  const receiverMiddleware: MiddlewareFn = (message, next, context) => {
    log.middleware.push(`${context.messageName} ${context.headers['x-user'] ?? '-'}`);
    return next();
  };

  @Module({
    imports: [
      CqrsLiteModule.forRoot({ middleware: [receiverMiddleware] }),
      CqrsRemoteModule.serve({
        commands: [PlaceOrder, ShipOrder, CancelOrder],
        queries: [GetOrder, SlowQuery],
        subjectPrefix: prefix,
        allowHeaders: ['x-user'],
      }),
    ],
    providers: [
      { provide: ReceiverLog, useValue: log },
      PlaceOrderHandler,
      GetOrderHandler,
      SlowQueryHandler,
      ShipOrderHandler,
      InternalResetHandler,
    ],
  })
  class ReceiverModule {}

  const receiverRef = await Test.createTestingModule({ imports: [ReceiverModule] }).compile();
  const receiver = receiverRef.createNestApplication({ logger: false });
  receiver.connectMicroservice({ transport: Transport.NATS, options: natsOptions(url) });
  await receiver.startAllMicroservices();
  await receiver.init();

  const senderMiddleware: string[] = [];
  const senderLog: MiddlewareFn = (message, next, context) => {
    senderMiddleware.push(`${context.messageName} ${context.id}`);
    return next();
  };

  @Module({
    imports: [
      CqrsLiteModule.forRoot({ middleware: [senderLog] }),
      ClientsModule.register([{ name: 'ORDERS', transport: Transport.NATS, options: natsOptions(url) }]),
      CqrsRemoteModule.forRoot({
        client: 'ORDERS',
        commands: [PlaceOrder, ShipOrder, CancelOrder, ArchiveOrder],
        queries: [GetOrder, SlowQuery],
        timeout: options.timeout ?? 2_000,
        subjectPrefix: prefix,
      }),
    ],
  })
  class SenderModule {}

  const senderRef = await Test.createTestingModule({ imports: [SenderModule] }).compile();
  const sender = senderRef.createNestApplication({ logger: false });
  await sender.init();

  return {
    receiver,
    sender,
    log,
    senderMiddleware,
    client: sender.get<ClientProxy>('ORDERS'),
    prefix,
    async close() {
      await sender.close();
      await receiver.close();
    },
  };
}
