import { assertBuilt, consumerProject, runEsm } from '../../package/built-package.js';

describe('nestjs-cqrs-lite/transport/jetstream without its optional peers (the packed package)', () => {
  let project: { dir: string; remove(): void };

  beforeAll(() => {
    assertBuilt();
    // Nest and the package's required peers, but neither @nats-io/jetstream nor @nats-io/transport-node.
    project = consumerProject('module', [
      '@nestjs/common',
      '@nestjs/core',
      'class-transformer',
      'reflect-metadata',
      'rxjs',
    ]);
  }, 60_000);

  afterAll(() => project?.remove());

  it('imports, and a module that needs JetStream fails init naming the package to install', () => {
    const result = runEsm<{ exports: string[]; error: string }>(
      `
      import 'reflect-metadata';
      import { Module } from '@nestjs/common';
      import { NestFactory } from '@nestjs/core';
      import { CqrsLiteModule } from 'nestjs-cqrs-lite';
      import * as jetstream from 'nestjs-cqrs-lite/transport/jetstream';
      class AppModule {}
      Module({ imports: [CqrsLiteModule.forRoot(), jetstream.CqrsJetStreamModule.forRoot({ servers: 'nats://127.0.0.1:1' })] })(AppModule);
      let error = '';
      try {
        await NestFactory.createApplicationContext(AppModule, { logger: false });
      } catch (e) {
        error = e.message;
      }
      console.log(JSON.stringify({ exports: Object.keys(jetstream).sort(), error }));
      `,
      project.dir,
    );
    expect(result.exports).toEqual(
      expect.arrayContaining(['CqrsJetStreamModule', 'DELIVERY_ATTEMPT_HEADER']),
    );
    expect(result.error).toBe(
      'nestjs-cqrs-lite/transport/jetstream needs the optional peer dependency @nats-io/jetstream: npm install @nats-io/jetstream',
    );
  });
});
