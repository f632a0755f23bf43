/**
 * Issue 17 item 8: a CPU-bound handler (100 ms of blocking work) and more requests than it can
 * answer in time. Callers whose deadline passes before their request starts are answered with a
 * timeout and their work is never run; those served in time get their answers.
 */
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CqrsLiteModule, QueryBus, QueryHandler } from '../../../lib/index.js';
import { CqrsNatsServer, CqrsRemoteModule } from '../../../lib/transport/index.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';
import { Balance, startBillingSender } from './billing-apps.js';

// Real servers and processes on a shared machine: allow more than Jest's default 5 s.
jest.setTimeout(60_000);

let ran = 0;

@Injectable()
@QueryHandler(Balance)
class BusyBalanceHandler {
  execute() {
    ran++;
    const until = Date.now() + 100;
    while (Date.now() < until) {
      // CPU-bound: blocks the event loop.
    }
    return 1;
  }
}

describeWithServer('nats')('a CPU-bound handler under more load than it can take', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('nats');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('17.8: 30 requests with a 1.5 s timeout: the first ones are answered, the ones past their deadline are not run', async () => {
    const prefix = `cpu-${randomUUID().slice(0, 8)}`;
    @Module({
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsRemoteModule.serve({ queries: [Balance], subjectPrefix: prefix }),
      ],
      providers: [BusyBalanceHandler],
    })
    class ReceiverModule {}
    const ref = await Test.createTestingModule({ imports: [ReceiverModule] }).compile();
    const receiver = ref.createNestApplication({ logger: false });
    receiver.connectMicroservice({ strategy: new CqrsNatsServer({ servers: [server.url] }) });
    await receiver.startAllMicroservices();
    await receiver.init();
    const sender = await startBillingSender(server.url, prefix, { timeout: 1_500 });
    try {
      ran = 0;
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, () =>
          sender
            .get(QueryBus)
            .ask(new Balance('a'))
            .then(
              () => 'ok',
              (e: unknown) => (e as { code?: string }).code,
            ),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const answered = outcomes.filter((o) => o === 'ok').length;
      expect(answered).toBeGreaterThanOrEqual(5);
      expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 'CQRS_REMOTE_TIMEOUT')).toBe(true);
      // Work whose caller gave up was dropped, not run: at most the answered ones and a few in between.
      expect(ran).toBeLessThan(30);
      expect(ran).toBeLessThanOrEqual(answered + 3);
    } finally {
      await sender.close();
      await receiver.close();
    }
  });
});
