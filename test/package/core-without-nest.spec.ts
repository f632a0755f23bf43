import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertBuilt, consumerProject, node, nodeFailure } from './built-package.js';

beforeAll(assertBuilt);

/** Exercises the core the way a script or worker would. */
const useTheCore = `
  import { CommandBus, QueryBus, Query, command, defaultCommandBus } from 'nestjs-cqrs-lite/core';
  class Greet {}
  class Count extends Query {}
  const seen = [];
  command(Greet)((_message, context) => seen.push(context.kind));
  const commandBus = new CommandBus({ propagateContext: true, middleware: [(m, next) => next()] });
  commandBus.register(Greet, { execute: () => seen.push('object handler') });
  await commandBus.dispatch(new Greet());
  await defaultCommandBus.dispatch(new Greet());
  const queryBus = new QueryBus();
  queryBus.register(Count, () => seen.length);
  console.log(JSON.stringify({ seen, count: await queryBus.ask(new Count()) }));
`;

describe('SPEC §1: nestjs-cqrs-lite/core loads no @nestjs module', () => {
  it('works in a project where no @nestjs package is installed, while the main entry point cannot load there', () => {
    // Only the packed package is installed: any import or require of @nestjs/* would fail.
    const project = consumerProject('module');
    try {
      writeFileSync(join(project.dir, 'core.js'), useTheCore);
      writeFileSync(join(project.dir, 'root.js'), `await import('nestjs-cqrs-lite');`);

      const output = node(['core.js'], project.dir).trim().split('\n');
      expect(JSON.parse(output[output.length - 1]!)).toEqual({
        seen: ['object handler', 'command'],
        count: 2,
      });
      // The control: the same project cannot load the Nest entry point, so the check above can fail.
      expect(nodeFailure(['root.js'], project.dir)).toMatch(/Cannot find (package|module) '@nestjs\//);
    } finally {
      project.remove();
    }
  });

  it('resolves no @nestjs/* or reflect-metadata specifier when imported (traced by a loader hook)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cqrs-lite-trace-'));
    try {
      const hooks = join(dir, 'hooks.mjs');
      const register = join(dir, 'register.mjs');
      writeFileSync(
        hooks,
        `
          import { appendFileSync } from 'node:fs';
          let log;
          export function initialize(data) { log = data.log; }
          export async function resolve(specifier, context, nextResolve) {
            const result = await nextResolve(specifier, context);
            appendFileSync(log, JSON.stringify({ specifier, url: result.url }) + '\\n');
            return result;
          }
        `,
      );
      writeFileSync(
        register,
        `
          import { register } from 'node:module';
          register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: process.env.TRACE_LOG } });
        `,
      );
      /** Every specifier resolved while importing `entry`, with what it resolved to. */
      const trace = (entry: string) => {
        const log = join(dir, `${entry.replace(/\W/g, '_')}.log`);
        writeFileSync(log, '');
        const args = [
          '--import',
          pathToFileURL(register).href,
          '--input-type=module',
          '-e',
          `await import('${entry}');`,
        ];
        node(args, undefined, { TRACE_LOG: log });
        return readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { specifier: string; url: string });
      };

      const core = trace('nestjs-cqrs-lite/core');
      const root = trace('nestjs-cqrs-lite');

      // The trace saw the core's own modules...
      expect(core.some((r) => r.url.endsWith('/dist/core/index.js'))).toBe(true);
      expect(core.some((r) => r.url.endsWith('/dist/core/command-bus.js'))).toBe(true);
      // ...and nothing of Nest, nor anything outside dist/core and Node's built-ins.
      expect(core.filter((r) => /^@nestjs\/|^reflect-metadata$/.test(r.specifier))).toEqual([]);
      expect(core.filter((r) => !r.url.startsWith('node:') && !r.url.includes('/dist/core/'))).toEqual([]);
      // The control: the same trace does see @nestjs/* for the main entry point.
      expect(root.some((r) => r.specifier.startsWith('@nestjs/common'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
