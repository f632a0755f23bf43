/**
 * Nest applications for the JetStream tests: each imports CqrsLiteModule and
 * CqrsJetStreamModule.forRoot() with the options given, and handles `js.order-placed` (and
 * `js.order-shipped`) with a handler that records every delivery and fails as `Behaviour` says.
 * Every test uses its own stream and subject prefix, so tests sharing one server cannot interfere.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Module, type INestApplication, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsString, MinLength } from 'class-validator';
import { CqrsLiteModule, EventsHandler, Message, type MessageContext } from '../../../lib/index.js';
import {
  CqrsJetStreamModule,
  type CqrsJetStreamModuleOptions,
} from '../../../lib/transport/jetstream/index.js';

@Message({ name: 'js.order-placed' })
export class OrderPlaced {
  @IsString()
  @MinLength(2)
  orderId: string;

  constructor(
    orderId: string,
    readonly amount = 1,
  ) {
    this.orderId = orderId;
  }
}

@Message({ name: 'js.order-shipped' })
export class OrderShipped {
  constructor(readonly orderId: string) {}
}

/** One delivery of an event to a handler. */
export interface Delivery {
  readonly orderId: string;
  readonly id: string;
  readonly attempt: string | undefined;
  readonly context: MessageContext;
}

/** What the handlers saw, and how they fail: `failures.get(orderId)` attempts fail (Infinity: always). */
export class Behaviour {
  readonly deliveries: Delivery[] = [];
  readonly failures = new Map<string, number>();
  /** Milliseconds the handler takes for an order id (none: it returns at once). */
  readonly delays = new Map<string, number>();
  /** Called after each successful delivery (e.g. a read-model write). */
  onHandled: (event: OrderPlaced | OrderShipped, context: MessageContext) => void = () => undefined;

  handledOnce(orderId: string): Delivery | undefined {
    return this.deliveries.find((d) => d.orderId === orderId && d.context.items.get('ok') === true);
  }
}

export const BEHAVIOUR = Symbol('BEHAVIOUR');

@Injectable()
@EventsHandler(OrderPlaced, OrderShipped)
class RecordingHandler {
  constructor(@Inject(BEHAVIOUR) private readonly behaviour: Behaviour) {}

  async handle(event: OrderPlaced | OrderShipped, context: MessageContext): Promise<void> {
    const { behaviour } = this;
    const delay = behaviour.delays.get(event.orderId);
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    behaviour.deliveries.push({
      orderId: event.orderId,
      id: context.id,
      attempt: context.headers['cqrs-delivery-attempt'],
      context,
    });
    const left = behaviour.failures.get(event.orderId) ?? 0;
    if (left > 0) {
      behaviour.failures.set(event.orderId, left - 1);
      throw new Error(`refusing ${event.orderId} (${left} more)`);
    }
    context.items.set('ok', true);
    behaviour.onHandled(event, context);
  }
}

/** A fresh stream name and subject prefix. */
export function freshStream(): { stream: string; subjectPrefix: string } {
  const tag = randomUUID().slice(0, 8);
  return { stream: `T_${tag}`, subjectPrefix: `t${tag}` };
}

/** An application with the JetStream module and, when `handlers`, the recording handler. */
export async function jetStreamApp(
  options: CqrsJetStreamModuleOptions,
  behaviour: Behaviour = new Behaviour(),
  extra: { handlers?: boolean; providers?: Provider[]; tracing?: boolean } = {},
): Promise<INestApplication> {
  const providers: Provider[] = [{ provide: BEHAVIOUR, useValue: behaviour }, ...(extra.providers ?? [])];
  if (extra.handlers !== false) providers.push(RecordingHandler);
  @Module({
    imports: [
      CqrsLiteModule.forRoot({ onEventError: () => undefined, tracing: extra.tracing }),
      CqrsJetStreamModule.forRoot(options),
    ],
    providers,
  })
  class JetStreamAppModule {}
  const ref = await Test.createTestingModule({ imports: [JetStreamAppModule] }).compile();
  const app = ref.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** Resolves once `check()` holds, or rejects after `timeoutMs` with `what`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
