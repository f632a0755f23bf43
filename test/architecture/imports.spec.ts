/**
 * The layering of STYLE.md, checked on the sources: the core imports nothing else of the package,
 * the Nest adapter builds on validation and the core, transports on the Nest adapter, and no
 * module is part of a cycle of run-time imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const lib = join(dirname(fileURLToPath(import.meta.url)), '../../lib');

/** What each folder of lib/ may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  validation: ['core'],
  nest: ['core', 'validation', 'tracing', 'cache'],
  testing: ['core'],
  tracing: ['core'],
  cache: ['core'],
  transport: ['core', 'validation', 'nest', 'tracing'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports that exist at run time (`import type` and `export type` are erased). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^(import|export)(?! type)[^;]*?from '(\.[^']+)\.js';/gms)].map((match) =>
    join(dirname(file), `${match[2]}.ts`),
  );
}

const files = sources(lib);
const graph = new Map(files.map((file) => [file, runtimeImports(file)]));
const folder = (file: string) => relative(lib, file).split('/')[0]!;

describe('architecture (STYLE.md)', () => {
  it('finds the package sources and their imports', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(graph.get(join(lib, 'core/command-bus.ts'))).toContain(join(lib, 'core/handler-bus.ts'));
  });

  it('keeps every layer to the layers below it', () => {
    const violations: string[] = [];
    for (const [file, imports] of graph) {
      const from = folder(file);
      if (from.endsWith('.ts')) continue; // lib/index.ts, the public barrel, may re-export anything
      for (const target of imports) {
        const to = folder(target);
        if (to !== from && !ALLOWED[from]?.includes(to))
          violations.push(`${relative(lib, file)} → ${relative(lib, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no cycle of run-time imports', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === 'visiting') {
          cycles.push([...path.slice(path.indexOf(target)), target].map((f) => relative(lib, f)).join(' → '));
        } else if (!state.has(target)) visit(target, [...path, target]);
      }
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    expect(cycles).toEqual([]);
  });

  it('never imports a folder’s own index.ts from inside that folder', () => {
    const selfBarrel = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => target.endsWith('/index.ts') && dirname(target) === dirname(file))
        .map((target) => `${relative(lib, file)} → ${relative(lib, target)}`),
    );
    expect(selfBarrel).toEqual([]);
  });
});
