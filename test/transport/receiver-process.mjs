// A receiving service in a process of its own, as a user would write it in plain JavaScript
// against the built package (imported by name). Serves `process.who-answers` and
// `process.sleep` over NATS (NATS_URL) with subject prefix CQRS_PREFIX; prints "ready" once
// subscribed.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsLiteModule, Message, QueryHandler } from 'nestjs-cqrs-lite';
import { CqrsNatsServer, CqrsRemoteModule } from 'nestjs-cqrs-lite/transport';

class WhoAnswers {}
Message({ name: 'process.who-answers' })(WhoAnswers);

class Sleep {}
Message({ name: 'process.sleep' })(Sleep);

class WhoAnswersHandler {
  execute(query, context) {
    return { pid: process.pid, correlationId: context.correlationId, headers: context.headers };
  }
}
QueryHandler(WhoAnswers)(WhoAnswersHandler);

class SleepHandler {
  async execute(query) {
    await new Promise((resolve) => setTimeout(resolve, query.ms));
    return query.ms;
  }
}
QueryHandler(Sleep)(SleepHandler);

class ReceiverModule {}
Module({
  imports: [
    CqrsLiteModule.forRoot(),
    CqrsRemoteModule.serve({
      queries: [WhoAnswers, Sleep],
      subjectPrefix: process.env.CQRS_PREFIX,
      allowHeaders: ['x-user'],
    }),
  ],
  providers: [WhoAnswersHandler, SleepHandler],
})(ReceiverModule);

const app = await NestFactory.createMicroservice(ReceiverModule, {
  strategy: new CqrsNatsServer({ servers: [process.env.NATS_URL] }),
  logger: false,
});
await app.listen();
process.stdout.write('ready\n');
