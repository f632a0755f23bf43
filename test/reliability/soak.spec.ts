import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertBuilt } from '../package/built-package.js';

/*
 * Soak: a million commands (each asking a follow-up query) through three middleware, on the built
 * package, in a child process started with --expose-gc so that the heap can be read after full
 * collections. Jest itself cannot expose gc().
 */

const script = join(dirname(fileURLToPath(import.meta.url)), 'support', 'soak.mjs');
const ONE_MB = 1024 * 1024;

interface SoakResult {
  name: string;
  growthBytes: number;
  inFlight: number;
}

function soak(...args: string[]): SoakResult[] {
  const output = execFileSync(process.execPath, ['--expose-gc', script, ...args], {
    encoding: 'utf8',
    timeout: 50_000,
  });
  return JSON.parse(output.trim().split('\n').pop()!) as SoakResult[];
}

beforeAll(assertBuilt);

it('B9: the heap does not grow over 1,000,000 dispatches, with propagateContext off and on (in-flight tracking on)', () => {
  const results = soak('1000000');
  expect(results.map((r) => r.name)).toEqual(['propagateContext off', 'propagateContext on, tracked']);
  for (const result of results) {
    expect(result.growthBytes).toBeLessThan(ONE_MB);
    expect(result.inFlight).toBe(0);
  }
}, 60_000);

it('the soak measurement notices a leak (control: 20,000 retained contexts grow the heap past the bound)', () => {
  const [control] = soak('20000', 'leak');
  expect(control!.growthBytes).toBeGreaterThan(ONE_MB);
}, 30_000);
