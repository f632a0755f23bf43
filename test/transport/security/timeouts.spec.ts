/**
 * Issue 17 item 7: Node truncates timers above 2³¹−1 ms to 1 ms, so a caller told "timeout"
 * while the work ran. Every transport checks its timeouts, at configuration and per dispatch.
 */
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsLiteModule, Message } from '../../../lib/index.js';
import {
  CommandQueue,
  CqrsQueueModule,
  InvalidTimeoutError,
  queueHeaders,
} from '../../../lib/transport/bullmq/index.js';
import { probe } from '../bullmq-apps.js';
import { describeWithServer, startServer, type TestServer } from '../servers.js';

@Message({ name: 'timeouts.noop' })
class Noop {}

describe('queue timeouts (no server)', () => {
  it.each([0, -1, 1.5, 2 ** 31, Number.NaN, Number.POSITIVE_INFINITY])(
    '17.7: a CommandQueue with timeout %p fails at configuration with InvalidTimeoutError',
    (timeout) => {
      expect(() => new CommandQueue({ queue: 'q', connection: { port: 1 }, timeout })).toThrow(
        InvalidTimeoutError,
      );
    },
  );
});

describeWithServer('redis')('queue timeouts per dispatch', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('redis');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('17.7: a dispatch with a timeout of 2³¹ ms is refused with InvalidTimeoutError and not queued', async () => {
    const queue = `timeouts-${Date.now()}`;
    const jobs = probe(queue, server.url);
    const ref = await Test.createTestingModule({
      imports: [
        CqrsLiteModule.forRoot(),
        CqrsQueueModule.forRoot({
          queue,
          commands: [Noop],
          connection: { url: server.url },
        }),
      ],
    }).compile();
    const app = await ref.init();
    try {
      const sender = app.get(CommandBus);
      await expect(
        sender.dispatch(new Noop(), { headers: queueHeaders({ timeout: 2 ** 31 }) }),
      ).rejects.toThrow(InvalidTimeoutError);
      await expect(sender.dispatch(new Noop(), { headers: { 'cqrs-timeout': 'soon' } })).rejects.toThrow(
        /integer number of milliseconds from 1 to 2147483647/,
      );
      expect(await jobs.getJobCounts('waiting')).toEqual({ waiting: 0 });
      await expect(
        sender.dispatch(new Noop(), { headers: queueHeaders({ timeout: 2 ** 31 - 1 }) }),
      ).resolves.toBeUndefined();
      expect(await jobs.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await app.close();
      await jobs.close();
    }
  });
});
