import { ServerNats, type NatsOptions } from '@nestjs/microservices';
import { CqrsNatsDeserializer } from './cqrs-nats.deserializer.js';
import type { EnvelopeLimits } from './envelope-limits.js';

/** Options of {@link CqrsNatsServer}: Nest's NATS options, plus the package's. */
export type CqrsNatsServerOptions = NonNullable<NatsOptions['options']> & {
  /** Byte limit checked before parsing (`maxPayloadBytes`); keep it equal to `serve()`'s `limits`. */
  limits?: EnvelopeLimits;
  /** Longest wait on shutdown for the requests in flight to be answered, in ms (default 10000). */
  drainTimeout?: number;
};

/**
 * Nest's NATS server with the receiving side hardened, for `NestFactory.createMicroservice(Module,
 * { strategy: new CqrsNatsServer({ servers }) })` or `app.connectMicroservice({ strategy })`:
 *
 * - every request gets an answer: `CqrsNatsDeserializer` turns unreadable bodies into an
 *   `EnvelopeError` reply instead of a silent timeout, and refuses oversized ones before parsing;
 * - shutdown answers what is in flight before the connection closes: `close()` unsubscribes (no
 *   new requests), waits for the running requests to be answered (bounded by `drainTimeout`), then
 *   closes. Nest's own server closes the connection first, so every reply in flight is lost.
 */
export class CqrsNatsServer extends ServerNats {
  private readonly running = new Set<Promise<unknown>>();
  private readonly drainTimeout: number;

  constructor(options: CqrsNatsServerOptions = {}) {
    const { limits, drainTimeout, ...nats } = options;
    super({ ...nats, deserializer: nats.deserializer ?? new CqrsNatsDeserializer(limits) } as never);
    this.drainTimeout = drainTimeout ?? 10_000;
  }

  /** Handles one message, tracked until its reply is handed to the connection. */
  override handleMessage(
    channel: string,
    message: Parameters<ServerNats['handleMessage']>[1],
  ): Promise<unknown> {
    const handling = super.handleMessage(channel, message).then(
      // Nest publishes the reply on the next tick after the handler settles.
      () => new Promise((resolve) => setImmediate(resolve)),
    );
    this.running.add(handling);
    const done = () => this.running.delete(handling);
    handling.then(done, done);
    return handling;
  }

  /** Stops taking requests, answers those in flight, then closes the connection. */
  override async close(): Promise<void> {
    const client = (this as unknown as { natsClient?: { flush(): Promise<void> } | null }).natsClient;
    if (client) {
      const { subscriptions } = this as unknown as { subscriptions: Array<{ unsubscribe(): void }> };
      for (const subscription of subscriptions) subscription.unsubscribe();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise((resolve) => (timer = setTimeout(resolve, this.drainTimeout)));
      await Promise.race([Promise.allSettled(this.running), bound]);
      clearTimeout(timer);
      await client.flush().catch(() => undefined);
    }
    await super.close();
  }
}
