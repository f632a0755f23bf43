/**
 * Nest applications for the BullMQ transport tests: a sender that routes commands to a queue with
 * `CqrsQueueModule.forRoot()`, and a worker that runs them with `CqrsQueueModule.worker()`. Every
 * test uses queues of its own (random names), so test files sharing one Redis (CI) cannot take
 * each other's jobs.
 */
import { randomUUID } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { CommandHandler, CqrsLiteModule, type MessageContext, type MiddlewareFn } from '../../lib/index.js';
import {
  CqrsQueueModule,
  type CqrsQueueModuleOptions,
  type CqrsQueueWorkerModuleOptions,
} from '../../lib/transport/bullmq/index.js';

import { ArchiveOrder, OutOfStockError, PlaceOrder, ShipOrder } from './order-messages.js';

export { ArchiveOrder, OutOfStockError, PlaceOrder, ShipOrder };

/** Its handler takes `ms` milliseconds. */
export class SlowCommand {
  constructor(readonly ms: number) {}
}

/** What the worker's handlers and middleware saw, in order. */
export interface Seen {
  step: 'middleware' | 'handler';
  messageName: string;
  message: object;
  context: MessageContext;
}

export class WorkerLog {
  readonly seen: Seen[] = [];
  handled(name: string): Seen[] {
    return this.seen.filter((s) => s.step === 'handler' && s.messageName === name);
  }
}

@CommandHandler(PlaceOrder)
class PlaceOrderHandler {
  constructor(private readonly log: WorkerLog) {}
  execute(command: PlaceOrder, context: MessageContext): void {
    this.log.seen.push({ step: 'handler', messageName: context.messageName, message: command, context });
  }
}

@CommandHandler(ShipOrder)
class ShipOrderHandler {
  constructor(private readonly log: WorkerLog) {}
  execute(command: ShipOrder, context: MessageContext): void {
    this.log.seen.push({ step: 'handler', messageName: context.messageName, message: command, context });
    throw new OutOfStockError(command.orderId);
  }
}

@CommandHandler(SlowCommand)
class SlowCommandHandler {
  constructor(private readonly log: WorkerLog) {}
  async execute(command: SlowCommand, context: MessageContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, command.ms));
    this.log.seen.push({ step: 'handler', messageName: context.messageName, message: command, context });
  }
}

export const uniqueQueue = (label: string) => `cqrs-test-${label}-${randomUUID().slice(0, 8)}`;

/** A worker application: handlers for PlaceOrder, ShipOrder and SlowCommand, and a recording middleware. */
export async function startWorker(
  given: Omit<CqrsQueueWorkerModuleOptions, 'commands'> &
    Partial<Pick<CqrsQueueWorkerModuleOptions, 'commands'>>,
): Promise<{ app: INestApplicationContext; log: WorkerLog }> {
  const options: CqrsQueueWorkerModuleOptions = {
    commands: [PlaceOrder, ShipOrder, SlowCommand, ArchiveOrder],
    allowHeaders: ['user'],
    ...given,
  };
  const log = new WorkerLog();
  const record: MiddlewareFn = (message, next, context) => {
    log.seen.push({ step: 'middleware', messageName: context.messageName, message, context });
    return next();
  };
  @Module({
    imports: [CqrsLiteModule.forRoot({ middleware: [record] }), CqrsQueueModule.worker(options)],
    providers: [
      { provide: WorkerLog, useValue: log },
      PlaceOrderHandler,
      ShipOrderHandler,
      SlowCommandHandler,
    ],
  })
  class WorkerModule {}
  const moduleRef = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
  const app = await moduleRef.init();
  return { app, log };
}

/** A sender application routing PlaceOrder, ShipOrder, SlowCommand and ArchiveOrder to the queue. */
export async function startSender(
  options: Omit<CqrsQueueModuleOptions, 'commands'>,
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CqrsLiteModule.forRoot(),
      CqrsQueueModule.forRoot({ ...options, commands: [PlaceOrder, ShipOrder, SlowCommand, ArchiveOrder] }),
    ],
  }).compile();
  return moduleRef.init();
}

/** A BullMQ queue handle for looking at the jobs in Redis directly. */
export function probe(queue: string, url: string): Queue {
  const jobs = new Queue(queue, { connection: { url } });
  jobs.on('error', () => undefined);
  return jobs;
}

/** Until `check` passes (polling every 50 ms), for at most `ms`. */
export async function eventually(check: () => unknown | Promise<unknown>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
