/**
 * SPEC §14 T1/T4 from the packed package, in consumer projects of their own: with tracing off,
 * `@opentelemetry/api` is never loaded, even while commands and queries run; with `tracing: true`
 * and no `@opentelemetry/api` installed, init fails naming the package.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, consumerProject, node, repoRoot } from '../package/built-package.js';

/** An ESM app: a Nest application context with the given module options, one command and one query. */
const app = (options: string) => `
  import 'reflect-metadata';
  import { Module } from '@nestjs/common';
  import { NestFactory } from '@nestjs/core';
  import { CommandBus, CommandHandler, CqrsLiteModule, Query, QueryBus, QueryHandler } from 'nestjs-cqrs-lite';
  import 'nestjs-cqrs-lite/transport';
  class Ping {}
  class Answer extends Query {}
  class PingHandler { execute() {} }
  CommandHandler(Ping)(PingHandler);
  class AnswerHandler { execute() { return 42; } }
  QueryHandler(Answer)(AnswerHandler);
  class AppModule {}
  Module({ imports: [CqrsLiteModule.forRoot(${options})], providers: [PingHandler, AnswerHandler] })(AppModule);
  const report = {};
  try {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await app.get(CommandBus).dispatch(new Ping());
    report.answer = await app.get(QueryBus).ask(new Answer());
    report.chain = app.get(CommandBus).registrations()[0].middleware;
    await app.close();
  } catch (error) {
    report.error = error.message;
  }
  report.apiLoads = globalThis.otelApiLoads ?? 0;
  console.log(JSON.stringify(report));
`;

function run(project: { dir: string }, source: string): Record<string, unknown> {
  writeFileSync(join(project.dir, 'main.js'), source);
  const lines = node(['main.js'], project.dir).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

describe('tracing from the packed package (SPEC §14)', () => {
  beforeAll(assertBuilt);

  describe('with @opentelemetry/api installed (a copy that counts its loads)', () => {
    let project: ReturnType<typeof consumerProject>;
    beforeAll(() => {
      project = consumerProject('module', ['@nestjs', 'reflect-metadata', 'rxjs']);
      const real = join(repoRoot, 'node_modules/@opentelemetry/api');
      const api = join(project.dir, 'node_modules/@opentelemetry/api');
      mkdirSync(api, { recursive: true });
      writeFileSync(
        join(api, 'package.json'),
        JSON.stringify({ name: '@opentelemetry/api', version: '1.9.1', main: 'index.cjs' }),
      );
      writeFileSync(
        join(api, 'index.cjs'),
        `globalThis.otelApiLoads = (globalThis.otelApiLoads ?? 0) + 1;\nmodule.exports = require(${JSON.stringify(real)});\n`,
      );
    }, 60_000);
    afterAll(() => project?.remove());

    it('T4: off by default: no step is added, and @opentelemetry/api is never loaded while messages run', () => {
      expect(run(project, app('{}'))).toEqual({ answer: 42, chain: [], apiLoads: 0 });
    });

    it('T4: tracing: false is off too', () => {
      expect(run(project, app('{ tracing: false }'))).toEqual({ answer: 42, chain: [], apiLoads: 0 });
    });

    it('T1: tracing: true loads it once and puts the tracing step in the chain (so the count above can fail)', () => {
      expect(run(project, app('{ tracing: true }'))).toEqual({
        answer: 42,
        chain: ['TracingMiddleware'],
        apiLoads: 1,
      });
    });
  });

  describe('without @opentelemetry/api', () => {
    let project: ReturnType<typeof consumerProject>;
    beforeAll(() => {
      project = consumerProject('module', ['@nestjs', 'reflect-metadata', 'rxjs', '@types']);
    }, 60_000);
    afterAll(() => project?.remove());

    it('T4: the package imports and runs with tracing off', () => {
      expect(run(project, app('{}'))).toEqual({ answer: 42, chain: [], apiLoads: 0 });
    });

    it('T1: tracing: true fails init with an error naming @opentelemetry/api', () => {
      const report = run(project, app('{ tracing: true }'));
      expect(report.answer).toBeUndefined();
      expect(report.error).toContain('@opentelemetry/api');
      expect(report.error).toContain('npm install @opentelemetry/api');
    });

    it('T1: so does tracingMiddleware() on a standalone bus', () => {
      const report = run(
        project,
        `
          import { tracingMiddleware } from 'nestjs-cqrs-lite';
          let error;
          try { tracingMiddleware(); } catch (e) { error = e.message; }
          console.log(JSON.stringify({ error }));
        `,
      );
      expect(report.error).toMatch(/tracingMiddleware\(\).*@opentelemetry\/api/);
    });

    it('T4: its types need no @opentelemetry/api either (a TypeScript project with skipLibCheck off)', () => {
      writeFileSync(
        join(project.dir, 'main.ts'),
        [
          "import { CqrsLiteModule, TRACEPARENT_HEADER, traceHeaders, tracingMiddleware } from 'nestjs-cqrs-lite';",
          "import { CqrsRemoteModule } from 'nestjs-cqrs-lite/transport';",
          'CqrsLiteModule.forRoot({ tracing: true });',
          'export const used = [tracingMiddleware, traceHeaders, TRACEPARENT_HEADER, CqrsRemoteModule];',
        ].join('\n'),
      );
      writeFileSync(
        join(project.dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            skipLibCheck: false,
            experimentalDecorators: true,
            noEmit: true,
            types: ['node'],
          },
          files: ['main.ts'],
        }),
      );
      const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
      let output = '';
      try {
        node([tsc, '-p', '.', '--pretty', 'false'], project.dir);
      } catch (error) {
        output = String((error as { stdout?: string }).stdout);
      }
      expect(output).toBe('');
    });
  });
});
