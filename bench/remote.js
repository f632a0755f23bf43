/**
 * Remote round trip over NATS: `queryBus.ask()` / `commandBus.dispatch()` of a message routed to
 * another application by CqrsRemoteModule, against a raw `ClientProxy.send()` of the same
 * envelope JSON to a bare `@MessagePattern` handler that answers the same reply. The difference is
 * what our layer adds on both sides (envelope, checks, buses, reply). Both applications run in
 * this process against a nats-server started on a free port; without nats-server the group is
 * skipped. Interleaved in one Bench, like every comparison here.
 */
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, MessagePattern, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { CommandBus, CqrsLiteModule, QueryBus } from 'nestjs-cqrs-lite';
import { CqrsRemoteModule } from 'nestjs-cqrs-lite/transport';
import { GetDouble, GetDoubleHandler, Ping, PingHandler, rootModule } from './fixtures.js';
import { compare, emit } from './harness.js';
import { startServer } from './servers.js';

/** Round trips per task iteration: one takes tens of microseconds, so fewer than in-process groups. */
const BATCH = 32;

const nats = await startServer('nats', 'the remote round trip');
const servers = [nats.url];

/** The raw baseline's receiver: the reply our controller would give, without our layer. */
class RawController {
  query(envelope) {
    return { ok: true, result: envelope.payload.n * 2 };
  }
  command() {
    return { ok: true };
  }
}
Reflect.decorate([Controller()], RawController);
for (const [method, subject] of [
  ['query', 'raw.query.GetDouble'],
  ['command', 'raw.command.Ping'],
]) {
  Reflect.decorate(
    [MessagePattern(subject)],
    RawController.prototype,
    method,
    Object.getOwnPropertyDescriptor(RawController.prototype, method),
  );
}

const receiver = await NestFactory.createMicroservice(
  rootModule('ReceiverModule', {
    imports: [CqrsLiteModule.forRoot(), CqrsRemoteModule.serve({ commands: [Ping], queries: [GetDouble] })],
    controllers: [RawController],
    providers: [PingHandler, GetDoubleHandler],
  }),
  { transport: Transport.NATS, options: { servers }, logger: false },
);
await receiver.listen();

const sender = await NestFactory.createApplicationContext(
  rootModule('SenderModule', {
    imports: [
      CqrsLiteModule.forRoot(),
      ClientsModule.register([{ name: 'REMOTE', transport: Transport.NATS, options: { servers } }]),
      CqrsRemoteModule.forRoot({ client: 'REMOTE', commands: [Ping], queries: [GetDouble] }),
    ],
  }),
  { logger: false },
);
const commandBus = sender.get(CommandBus);
const queryBus = sender.get(QueryBus);
const client = sender.get('REMOTE');
await client.connect();

const query = new GetDouble(1);
const command = new Ping(1);
// The same JSON our layer sends: an envelope made by the bus.
const queryEnvelope = queryBus.toEnvelope(query);
const commandEnvelope = commandBus.toEnvelope(command);

const options = { rounds: 9, time: 200, warmupTime: 100, iterations: 8, batch: BATCH };
const queries = await compare(
  {
    'raw ClientProxy.send()': async () => {
      let reply;
      for (let i = 0; i < BATCH; i++)
        reply = await lastValueFrom(client.send('raw.query.GetDouble', queryEnvelope));
      if (reply.result !== 2) throw new Error(`wrong reply ${JSON.stringify(reply)}`);
    },
    'lite queryBus.ask() (remote)': async () => {
      let result;
      for (let i = 0; i < BATCH; i++) result = await queryBus.ask(query);
      if (result !== 2) throw new Error(`wrong result ${result}`);
    },
  },
  { ...options, baseline: 'raw ClientProxy.send()', label: 'remote queries' },
);
const commands = await compare(
  {
    'raw ClientProxy.send()': async () => {
      for (let i = 0; i < BATCH; i++) await lastValueFrom(client.send('raw.command.Ping', commandEnvelope));
    },
    'lite commandBus.dispatch() (remote)': async () => {
      for (let i = 0; i < BATCH; i++) await commandBus.dispatch(command);
    },
  },
  { ...options, baseline: 'raw ClientProxy.send()', label: 'remote commands' },
);

await sender.close();
await receiver.close();
nats.stop();
emit({ queries, commands });
