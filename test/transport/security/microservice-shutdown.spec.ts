/**
 * Issue 17 item 1: a standalone receiver (NestFactory.createMicroservice + listen, the README's)
 * closed with requests in flight. With CqrsNatsServer every caller gets its answer; Nest's own
 * NATS server closes the connection first and every reply is lost.
 */
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { CqrsLiteModule, QueryBus, QueryHandler } from '../../../lib/index.js';
import { CqrsNatsServer, CqrsRemoteModule } from '../../../lib/transport/index.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import { Balance, startBillingSender } from './billing-apps.js';

// Real servers and processes on a shared machine: allow more than Jest's default 5 s.
jest.setTimeout(60_000);

let started = 0;
let finished = 0;

@Injectable()
@QueryHandler(Balance)
class SlowBalanceHandler {
  async execute(query: Balance) {
    started++;
    await new Promise((resolve) => setTimeout(resolve, query.delayMs));
    finished++;
    return 7;
  }
}

async function standalone(prefix: string, transport: MicroserviceOptions) {
  @Module({
    imports: [
      CqrsLiteModule.forRoot(),
      CqrsRemoteModule.serve({ queries: [Balance], subjectPrefix: prefix, maxInFlight: 500 }),
    ],
    providers: [SlowBalanceHandler],
  })
  class ReceiverModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(ReceiverModule, {
    ...transport,
    logger: false,
  });
  await app.listen();
  return app;
}

describeWithServer('nats')('shutdown of a standalone microservice receiver', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('nats');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const inFlightAtClose = async (transport: MicroserviceOptions, timeout: number) => {
    const prefix = `shutdown-${randomUUID().slice(0, 8)}`;
    started = 0;
    finished = 0;
    const receiver = await standalone(prefix, transport);
    const sender = await startBillingSender(server.url, prefix, { timeout });
    try {
      const asks = Array.from({ length: 200 }, () =>
        sender
          .get(QueryBus)
          .ask(new Balance('a', 300))
          .then(
            () => 'answered',
            (e: unknown) => (e as { code?: string }).code ?? String(e),
          ),
      );
      // Close only once all 200 are really in flight on the receiver (bounded: a loaded machine
      // may take longer than a fixed pause to deliver them).
      for (let waited = 0; started < 200 && waited < 10_000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(started).toBe(200);
      await receiver.close();
      return { outcomes: await Promise.all(asks), finished };
    } finally {
      await sender.close();
    }
  };

  it('17.1: with CqrsNatsServer, app.close() answers all 200 requests in flight before the connection closes', async () => {
    const { outcomes, finished: ran } = await inFlightAtClose(
      {
        strategy: new CqrsNatsServer({ servers: [server.url] }),
      },
      15_000,
    );
    expect(ran).toBe(200);
    expect(outcomes.filter((o) => o === 'answered')).toHaveLength(200);
  });

  it("17.1: (why) with Nest's own NATS server the handlers finish but the callers time out", async () => {
    const { outcomes, finished: ran } = await inFlightAtClose(
      { transport: Transport.NATS, options: { servers: [server.url] } },
      3_000,
    );
    expect(ran).toBe(200);
    expect(outcomes.filter((o) => o === 'answered').length).toBeLessThan(200);
  });
});
