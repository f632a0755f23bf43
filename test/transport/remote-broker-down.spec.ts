import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { QueryBus } from '../../lib/index.js';
import { RemoteTimeoutError, TransportUnavailableError } from '../../lib/transport/index.js';
import { GetOrder, SlowQuery, startRemotePair, type RemotePair } from './remote-apps.js';
import { describeWithServer, startServer, type TestServer } from './servers.js';

/** Until `attempt` resolves (retrying every 100 ms), for at most `ms`. */
async function eventually<T>(attempt: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describeWithServer('nats')('when the NATS server dies (a server of this file’s own)', () => {
  let server: TestServer;
  let pair: RemotePair;
  let queryBus: QueryBus;

  beforeAll(async () => {
    server = await startServer('nats', { own: true });
    pair = await startRemotePair(server.url, { timeout: 600 });
    queryBus = pair.sender.get(QueryBus);
  });
  afterAll(async () => {
    await pair?.close();
    await server?.stop();
  });

  it('a dispatch in flight rejects with RemoteTimeoutError, later ones fail fast with TransportUnavailableError, and it works again after a restart', async () => {
    await expect(queryBus.ask(new GetOrder('o-1'))).resolves.toBeUndefined();
    const disconnected = firstValueFrom(
      pair.client.status.pipe(filter((status) => status === 'disconnected')),
    );

    const started = Date.now();
    const inFlight = queryBus.ask(new SlowQuery(300)).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.stop(); // SIGKILL
    await disconnected;

    const fast = Date.now();
    const down = await queryBus.ask(new GetOrder('o-1')).catch((error: unknown) => error);
    expect(down).toBeInstanceOf(TransportUnavailableError);
    expect(down).toMatchObject({ code: 'CQRS_TRANSPORT_UNAVAILABLE', messageName: 'GetOrder' });
    expect(Date.now() - fast).toBeLessThan(100);

    // The answer to the one in flight was lost with the broker: bounded by the timeout, not a hang.
    expect(await inFlight).toBeInstanceOf(RemoteTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);

    await server.restart!();
    await expect(eventually(() => queryBus.ask(new GetOrder('o-1')), 8_000)).resolves.toBeUndefined();
  }, 15_000);
});
