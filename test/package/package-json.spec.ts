import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, packedFiles, repoRoot } from './built-package.js';

interface PackageJson {
  name: string;
  type?: string;
  engines?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  main?: string;
  types?: string;
  typesVersions?: Record<string, Record<string, string[]>>;
  repository?: { type: string; url: string };
  homepage?: string;
  bugs?: { url: string };
  scripts?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

/** `>=0.14` and `>=0.14.0` are the same range: pad every version in a range to x.y.z. */
function normalizeRange(range: string): string {
  return range
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/(\d+(?:\.\d+){0,2})/g, (version) => {
      const parts = version.split('.');
      while (parts.length < 3) parts.push('0');
      return parts.join('.');
    });
}

describe('SPEC §1: package.json', () => {
  it('is named nestjs-cqrs-lite and is ESM only', () => {
    expect(pkg.name).toBe('nestjs-cqrs-lite');
    expect(pkg.type).toBe('module');
  });

  it('requires a Node version with require(esm): ^20.19.0 || >=22.12.0', () => {
    expect(pkg.engines?.node).toBe('^20.19.0 || >=22.12.0');
  });

  it.each([
    ['.', './dist/index.js', './dist/index.d.ts'],
    ['./core', './dist/core/index.js', './dist/core/index.d.ts'],
    ['./testing', './dist/testing/index.js', './dist/testing/index.d.ts'],
  ])('exports %s with a types condition first and a default condition', (entry, js, types) => {
    const conditions = pkg.exports?.[entry];
    expect(typeof conditions).toBe('object');
    const map = conditions as Record<string, string>;
    // TypeScript only honours `types` when it comes before `default`.
    expect(Object.keys(map)).toEqual(['types', 'default']);
    expect(map.types).toBe(types);
    expect(map.default).toBe(js);
    // No separate CommonJS build: one copy of each class (SPEC §1).
    expect(map).not.toHaveProperty('require');
  });

  it('gives every JavaScript entry point a types and a default condition', () => {
    const entries = Object.entries(pkg.exports ?? {}).filter(([entry]) => entry !== './package.json');
    expect(entries.length).toBeGreaterThanOrEqual(2);
    for (const [entry, conditions] of entries) {
      expect([entry, typeof conditions === 'object' && Object.keys(conditions)]).toEqual([
        entry,
        ['types', 'default'],
      ]);
    }
  });

  it('has the peerDependencies of SPEC §1 (class-validator and class-transformer optional), and the transports as optional peers', () => {
    const peers = Object.fromEntries(
      Object.entries(pkg.peerDependencies ?? {}).map(([name, range]) => [name, normalizeRange(range)]),
    );
    expect(peers).toEqual({
      // Nest 11 (CommonJS) and 12 (ESM): .ci/run runs the whole suite on both.
      '@nestjs/common': '^11.0.0 || ^12.0.0',
      '@nestjs/core': '^11.0.0 || ^12.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
      'class-validator': '>=0.14.0',
      'class-transformer': '^0.5.0',
      // Only the transport entry points need these.
      '@nestjs/microservices': '^11.0.0 || ^12.0.0',
      // BullMQ 5 from 5.13.1 (the first with `url` in its connection options), tested in CI too.
      bullmq: '^5.13.1 || ^6.7.0',
      ioredis: '^5.4.1 || ^6.0.0',
      '@nats-io/jetstream': '^3.4.0',
      '@nats-io/transport-node': '^3.4.0',
      // Only tracing needs it.
      '@opentelemetry/api': '^1.9.0',
      // Only a shared query cache store (cache: { store }) is one; the package only calls it.
      'cache-manager': '^6.0.0 || ^7.0.0',
    });
    const optional = Object.entries(pkg.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional === true)
      .map(([name]) => name)
      .sort();
    expect(optional).toEqual([
      '@nats-io/jetstream',
      '@nats-io/transport-node',
      '@nestjs/microservices',
      '@opentelemetry/api',
      'bullmq',
      'cache-manager',
      'class-transformer',
      'class-validator',
      'ioredis',
    ]);
  });
});

describe('package.json for the registry and for older resolvers', () => {
  const repository = 'https://github.com/nestjs-cqrs-lite/nestjs-cqrs-lite';

  it('names the repository, its home page and where to report bugs', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${repository}.git` });
    expect(pkg.homepage).toBe(`${repository}#readme`);
    expect(pkg.bugs).toEqual({ url: `${repository}/issues` });
  });

  it('gives every subpath entry point a typesVersions entry, for moduleResolution node (node10)', () => {
    const subpaths = Object.entries(pkg.exports ?? {})
      .filter(([entry]) => entry !== '.' && entry !== './package.json')
      .map(([entry, conditions]) => [entry.slice(2), [(conditions as Record<string, string>).types]]);
    expect(subpaths.length).toBeGreaterThan(0);
    expect(Object.keys(pkg.typesVersions ?? {})).toEqual(['*']);
    expect(Object.entries(pkg.typesVersions!['*']!).sort()).toEqual(subpaths.sort());
    // The root entry point needs none: `types` serves node10.
    expect(pkg.types).toBe((pkg.exports?.['.'] as Record<string, string>).types);
  });

  it('npm test lints the package as published: publint --strict and attw on the packed tarball', () => {
    expect(pkg.scripts?.test).toContain('npm run lint:package');
    expect(pkg.scripts?.['lint:package']).toMatch(/publint --strict/);
    expect(pkg.scripts?.['lint:package']).toMatch(/attw --pack \./);
  });
});

describe('SPEC §1: the built and packed package', () => {
  beforeAll(assertBuilt);

  it('has every file the exports map points to', () => {
    for (const conditions of Object.values(pkg.exports ?? {})) {
      const targets = typeof conditions === 'string' ? [conditions] : Object.values(conditions);
      for (const target of targets) expect(existsSync(join(repoRoot, target))).toBe(true);
    }
  });

  it('publishes dist/ (JavaScript and declarations) and neither sources nor tests', () => {
    const files = packedFiles();

    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/core/index.js',
        'dist/core/index.d.ts',
      ]),
    );
    expect(
      files.filter((f) => !f.startsWith('dist/') && !/^(package\.json|README\.md|LICENSE)$/.test(f)),
    ).toEqual([]);
    expect(files.some((f) => f.endsWith('.tsbuildinfo'))).toBe(false);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md']));
  });

  it("ships no import.meta, which a CommonJS app's transform (ts-jest, babel-jest) cannot compile", () => {
    const offending = (dir: string): string[] =>
      readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) return offending(path);
        if (!entry.name.endsWith('.js')) return [];
        const code = readFileSync(join(repoRoot, path), 'utf8');
        // Optional peers are loaded through lib/core/optional-peer.ts instead (see its comment).
        return /\bimport\.meta\b/.test(code) ? [path] : [];
      });
    expect(offending('dist')).toEqual([]);
  });
});
