import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the package's own directory. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function newestSource(dir: string): { path: string; mtime: number } {
  let newest = { path: dir, mtime: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const candidate = entry.isDirectory()
      ? newestSource(path)
      : entry.name.endsWith('.ts')
        ? { path, mtime: statSync(path).mtimeMs }
        : newest;
    if (candidate.mtime > newest.mtime) newest = candidate;
  }
  return newest;
}

/**
 * Fails with a clear message when `dist/` is missing or older than `lib/`: these tests check the
 * built package, which `npm test` builds before running Jest.
 */
export function assertBuilt(): void {
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/core/index.js', 'dist/core/index.d.ts']) {
    if (!existsSync(join(repoRoot, file))) {
      throw new Error(
        `${file} is missing: the package tests import the built package. Run \`npm run build\` first (\`npm test\` does).`,
      );
    }
  }
  const built = statSync(join(repoRoot, 'dist/index.js')).mtimeMs;
  const source = newestSource(join(repoRoot, 'lib'));
  if (source.mtime > built) {
    throw new Error(
      `dist/ is older than ${relative(repoRoot, source.path)}: run \`npm run build\` before the package tests.`,
    );
  }
}

/**
 * Runs `node` with `args` in `cwd` (the repository by default), without Jest's NODE_OPTIONS and
 * with `env` added, and returns its stdout. Throws with stderr when it exits non-zero.
 */
export function node(args: string[], cwd = repoRoot, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, args, {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Like `node()`, but expects a failure and returns its stderr. */
export function nodeFailure(args: string[], cwd = repoRoot): string {
  try {
    const stdout = node(args, cwd);
    throw new Error(`expected node ${args.join(' ')} to fail, but it printed: ${stdout}`);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    if (typeof stderr !== 'string') throw error;
    return stderr;
  }
}

/** Runs an ES module source with `node --input-type=module -e`, and parses the JSON it prints last. */
export function runEsm<T>(source: string, cwd = repoRoot): T {
  const lines = node(['--input-type=module', '-e', source], cwd).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Runs a CommonJS source with `node -e`, and parses the JSON it prints last. */
export function runCjs<T>(source: string, cwd = repoRoot): T {
  const lines = node(['-e', source], cwd).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** The files `npm pack` would publish (from the existing dist/, without running prepack). */
export function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const [report] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
  return report!.files.map((f) => f.path);
}

/**
 * A throw-away consumer project with the packed package installed in its node_modules, as
 * `npm install nestjs-cqrs-lite-x.y.z.tgz` would. `link` lists dependencies of the repository to
 * make available to it (by symlink); nothing else is resolvable from there.
 */
export function consumerProject(
  type: 'module' | 'commonjs',
  link: string[] = [],
): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cqrs-lite-consumer-'));
  const modules = join(dir, 'node_modules');
  const target = join(modules, 'nestjs-cqrs-lite');
  mkdirSync(target, { recursive: true });
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  }).trim();
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', target, '--strip-components=1']);
  for (const name of link) {
    const linkPath = join(modules, name);
    mkdirSync(join(linkPath, '..'), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', name), linkPath, 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type }));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
