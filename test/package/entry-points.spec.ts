import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, consumerProject, node, runCjs, runEsm } from './built-package.js';

beforeAll(assertBuilt);

/** What SPEC §2–§7 and §10 put in `nestjs-cqrs-lite/core` (run-time values only). */
const CORE_EXPORTS = [
  'Command',
  'CommandBus',
  'CqrsError',
  'DuplicateHandlerError',
  'DuplicateMessageNameError',
  'EnvelopeError',
  'HandlerNotFoundError',
  'InvalidHandlerError',
  'InvalidMessageError',
  'Message',
  'MessageValidationError',
  'MiddlewareResolutionError',
  'Query',
  'QueryBus',
  'command',
  'defaultCommandBus',
  'defaultQueryBus',
  'query',
];

/** What §8 and §9 add in `nestjs-cqrs-lite`. */
const NEST_EXPORTS = [
  'CqrsLiteModule',
  'CommandHandler',
  'QueryHandler',
  'UseMiddleware',
  'CqrsExceptionFilter',
];

interface EntryReport {
  rootUrl: string;
  coreUrl: string;
  rootKeys: string[];
  coreKeys: string[];
  /** Names exported by both entry points whose values differ. */
  different: string[];
  checks: Record<string, unknown>;
}

/** The same probe, for an ESM `import` and a CommonJS `require`: `load(specifier)` differs. */
const probe = (load: string) => `
  const root = ${load}('nestjs-cqrs-lite');
  const core = ${load}('nestjs-cqrs-lite/core');
  class Unhandled {}
  const error = await new core.CommandBus().dispatch(new Unhandled()).catch((e) => e);
  const rootError = await new root.QueryBus().ask(new Unhandled()).catch((e) => e);
  const report = {
    rootKeys: Object.keys(root).sort(),
    coreKeys: Object.keys(core).sort(),
    different: Object.keys(core).filter((key) => root[key] !== core[key]),
    checks: {
      coreErrorIsRootClass: error instanceof root.HandlerNotFoundError,
      coreErrorIsRootBase: error instanceof root.CqrsError,
      rootErrorIsCoreClass: rootError instanceof core.HandlerNotFoundError,
      code: error.code,
      rootBusIsCoreBus: new root.CommandBus() instanceof core.CommandBus,
    },
  };
`;

describe('SPEC §1: entry points, imported by package name', () => {
  it('an ESM import of nestjs-cqrs-lite and nestjs-cqrs-lite/core loads dist/ and shares every class', () => {
    const report = runEsm<EntryReport>(`
      ${probe('await import')}
      report.rootUrl = import.meta.resolve('nestjs-cqrs-lite');
      report.coreUrl = import.meta.resolve('nestjs-cqrs-lite/core');
      console.log(JSON.stringify(report));
    `);

    expect(report.rootUrl).toMatch(/\/dist\/index\.js$/);
    expect(report.coreUrl).toMatch(/\/dist\/core\/index\.js$/);
    expect(report.coreKeys).toEqual(expect.arrayContaining(CORE_EXPORTS));
    expect(report.rootKeys).toEqual(expect.arrayContaining([...CORE_EXPORTS, ...NEST_EXPORTS]));
    // Everything in core is in root, as the very same value.
    expect(report.rootKeys).toEqual(expect.arrayContaining(report.coreKeys));
    expect(report.different).toEqual([]);
    // The core has nothing Nest-specific.
    expect(report.coreKeys.filter((key) => NEST_EXPORTS.includes(key))).toEqual([]);
    expect(report.checks).toEqual({
      coreErrorIsRootClass: true,
      coreErrorIsRootBase: true,
      rootErrorIsCoreClass: true,
      code: 'CQRS_HANDLER_NOT_FOUND',
      rootBusIsCoreBus: true,
    });
  });

  it("a CommonJS require('nestjs-cqrs-lite') works through require(esm) and shares every class", () => {
    const report = runCjs<EntryReport & { sameAsImport: boolean }>(`
      (async () => {
        ${probe('require')}
        report.rootUrl = require.resolve('nestjs-cqrs-lite');
        report.coreUrl = require.resolve('nestjs-cqrs-lite/core');
        // require(esm) and import() give the same module instance: one copy of each class.
        const imported = await import('nestjs-cqrs-lite');
        report.sameAsImport = imported.CqrsError === root.CqrsError && imported.CqrsLiteModule === root.CqrsLiteModule;
        console.log(JSON.stringify(report));
      })().catch((error) => { console.error(error); process.exit(1); });
    `);

    expect(report.rootUrl).toMatch(/\/dist\/index\.js$/);
    expect(report.coreUrl).toMatch(/\/dist\/core\/index\.js$/);
    expect(report.rootKeys).toEqual(expect.arrayContaining([...CORE_EXPORTS, ...NEST_EXPORTS]));
    expect(report.different).toEqual([]);
    expect(report.sameAsImport).toBe(true);
    expect(report.checks).toMatchObject({
      coreErrorIsRootClass: true,
      coreErrorIsRootBase: true,
      rootErrorIsCoreClass: true,
    });
  });
});

describe('SPEC §1: a consumer project with the packed package installed', () => {
  const nestApp = `
    const { Module } = require('@nestjs/common');
    const { NestFactory } = require('@nestjs/core');
    const lib = require('nestjs-cqrs-lite');
    const core = require('nestjs-cqrs-lite/core');

    class Ping {}
    class PingHandler { execute(command, context) { handled.push(context.messageName); } }
    lib.CommandHandler(Ping)(PingHandler);
    class AppModule {}
    Module({ imports: [lib.CqrsLiteModule.forRoot()], providers: [PingHandler] })(AppModule);

    const handled = [];
    (async () => {
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      // The core classes are the DI tokens of the Nest module.
      const bus = app.get(core.CommandBus);
      await bus.dispatch(new Ping());
      const missing = await bus.dispatch(new (class Other {})()).catch((e) => e);
      console.log(JSON.stringify({
        handled,
        sameBus: bus === app.get(lib.CommandBus),
        missingIsCoreError: missing instanceof core.HandlerNotFoundError,
        missingIsRootError: missing instanceof lib.CqrsError,
      }));
      await app.close();
    })().catch((error) => { console.error(error); process.exit(1); });
  `;

  it('a CommonJS Nest app requires the package and uses the core classes as DI tokens', () => {
    const project = consumerProject('commonjs', ['@nestjs', 'reflect-metadata', 'rxjs']);
    try {
      writeFileSync(join(project.dir, 'main.js'), nestApp);
      const output = node(['main.js'], project.dir).trim().split('\n');

      expect(JSON.parse(output[output.length - 1]!)).toEqual({
        handled: ['Ping'],
        sameBus: true,
        missingIsCoreError: true,
        missingIsRootError: true,
      });
    } finally {
      project.remove();
    }
  });

  it('an ESM consumer imports both entry points from node_modules', () => {
    const project = consumerProject('module', ['@nestjs', 'reflect-metadata', 'rxjs']);
    try {
      writeFileSync(
        join(project.dir, 'main.js'),
        `
          import { CqrsLiteModule, QueryBus as RootQueryBus } from 'nestjs-cqrs-lite';
          import { QueryBus, Query } from 'nestjs-cqrs-lite/core';
          class Answer extends Query {}
          const bus = new QueryBus();
          bus.register(Answer, () => 42);
          console.log(JSON.stringify({
            answer: await bus.ask(new Answer()),
            same: RootQueryBus === QueryBus,
            module: typeof CqrsLiteModule.forRoot,
            url: import.meta.resolve('nestjs-cqrs-lite/core'),
          }));
        `,
      );
      const output = node(['main.js'], project.dir).trim().split('\n');
      const report = JSON.parse(output[output.length - 1]!);

      expect(report).toEqual({ answer: 42, same: true, module: 'function', url: expect.any(String) });
      expect(report.url).toContain('/node_modules/nestjs-cqrs-lite/dist/core/index.js');
    } finally {
      project.remove();
    }
  });
});

describe('nestjs-cqrs-lite/testing from the packed package', () => {
  it('loads in a project with neither Nest nor a test runner installed, and extends the core buses', () => {
    const project = consumerProject('module');
    try {
      writeFileSync(
        join(project.dir, 'main.js'),
        `
          import { CommandBus, QueryBus, Query } from 'nestjs-cqrs-lite/core';
          import { RecordingCommandBus, StubQueryBus, runHandler, createMessageContext } from 'nestjs-cqrs-lite/testing';
          class Ping {}
          class Answer extends Query {}
          const commands = new RecordingCommandBus();
          await commands.dispatch(new Ping());
          const queries = new StubQueryBus().stubResult(Answer, 42);
          console.log(JSON.stringify({
            dispatched: commands.dispatched.length,
            answer: await queries.ask(new Answer()),
            run: await runHandler((q, context) => context.kind, new Answer()),
            context: createMessageContext(new Ping()).kind,
            sameClasses: commands instanceof CommandBus && queries instanceof QueryBus,
            url: import.meta.resolve('nestjs-cqrs-lite/testing'),
          }));
        `,
      );
      const output = node(['main.js'], project.dir).trim().split('\n');
      const report = JSON.parse(output[output.length - 1]!);

      expect(report).toEqual({
        dispatched: 1,
        answer: 42,
        run: 'query',
        context: 'command',
        sameClasses: true,
        url: expect.stringContaining('/node_modules/nestjs-cqrs-lite/dist/testing/index.js'),
      });
    } finally {
      project.remove();
    }
  });
});
