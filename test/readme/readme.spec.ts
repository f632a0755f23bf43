import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, repoRoot } from '../package/built-package.js';
import { extractTsBlocks, typeCheckBlocks } from './readme-blocks.js';

const DOCS = ['README.md', 'docs/migrating-from-nestjs-cqrs.md'];

describe('the documentation compiles', () => {
  beforeAll(assertBuilt);

  it.each(DOCS)('every ```ts block of %s type-checks against the built package', (file) => {
    expect(typeCheckBlocks(repoRoot, file)).toEqual([]);
  });

  it.each(DOCS)('%s marks few blocks as not compiled, each with a reason', (file) => {
    const blocks = extractTsBlocks(readFileSync(join(repoRoot, file), 'utf8'));
    const skipped = blocks.filter((block) => block.notCompiled !== undefined);
    expect(blocks.length).toBeGreaterThan(0);
    expect(skipped.length).toBeLessThanOrEqual(Math.max(1, Math.floor(blocks.length / 4)));
    for (const block of skipped) expect(block.notCompiled!.length).toBeGreaterThan(10);
  });

  it('the check can fail: an error in a block is reported at its Markdown line, across named blocks', () => {
    const markdown = [
      '# Example',
      '',
      '<!-- file: numbers.ts -->',
      '',
      '```ts',
      'export const answer: number = 42;',
      '```',
      '',
      '<!-- not-compiled: a deliberate fragment for the example -->',
      '```ts',
      'this is not TypeScript',
      '```',
      '',
      '```ts',
      "import { answer } from './numbers.js';",
      'export const text: string = answer;',
      '```',
    ].join('\n');

    expect(extractTsBlocks(markdown).map((b) => [b.line, b.file, b.notCompiled])).toEqual([
      [5, 'numbers.ts', undefined],
      [10, undefined, 'a deliberate fragment for the example'],
      [14, undefined, undefined],
    ]);
    expect(typeCheckBlocks(repoRoot, 'EXAMPLE.md', markdown)).toEqual([
      {
        where: 'EXAMPLE.md:16',
        message: expect.stringContaining("Type 'number' is not assignable to type 'string'"),
      },
    ]);
  });
});

describe('README.md', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
  const anchor = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
  const headings = [...readme.matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchor(m[1]!));
  const contents = /## Contents\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const links = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);

  it('has a table of contents whose every link leads to a heading', () => {
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((link) => !headings.includes(link))).toEqual([]);
  });

  it('lists every section in the table of contents', () => {
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => anchor(m[1]!));
    const untracked = new Set(['on-a-fresh-clone', 'contents']);
    expect(sections.filter((s) => !untracked.has(s) && !links.includes(s))).toEqual([]);
  });
});
