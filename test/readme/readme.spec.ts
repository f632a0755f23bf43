import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertBuilt, repoRoot } from '../package/built-package.js';
import { extractTsBlocks, typeCheckBlocks } from './readme-blocks.js';

/** The README and every guide in docs/: a new guide is compiled without being listed anywhere. */
const DOCS = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The repository's address, as in package.json: links from the README to unshipped files use it. */
const REPOSITORY = 'https://github.com/nestjs-cqrs-lite/nestjs-cqrs-lite';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors of a Markdown file's headings (code blocks left out). */
function anchorsOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!));
}

/** The targets of the Markdown links of a text, outside code. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

/** Where a link into this repository leads: the file (relative to the root) and the anchor. */
function target(from: string, link: string): { file: string; hash: string | undefined } | undefined {
  const [path, hash] = link.split('#') as [string, string | undefined];
  if (link.startsWith(`${REPOSITORY}/`)) {
    const rest = /^\/(?:blob|tree)\/main\/(.*)$/.exec(path.slice(REPOSITORY.length));
    return rest ? { file: rest[1]!.replace(/\/$/, ''), hash } : { file: '<not a blob or tree link>', hash };
  }
  if (/^[a-z]+:/i.test(link)) return undefined; // another site
  if (path === '') return { file: from, hash };
  return { file: join(dirname(from), path), hash };
}

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

describe('links', () => {
  it.each(DOCS)('every link of %s into the repository leads to a file and heading that exist', (file) => {
    const broken = linksOf(readFileSync(join(repoRoot, file), 'utf8')).filter((link) => {
      const to = target(file, link);
      if (to === undefined) return false;
      const path = join(repoRoot, to.file);
      if (!existsSync(path)) return true;
      if (to.hash === undefined || !to.file.endsWith('.md')) return false;
      return !anchorsOf(readFileSync(path, 'utf8')).includes(to.hash);
    });
    expect(broken).toEqual([]);
  });

  it('the README links only to its own headings and to absolute addresses, which work on the npm registry page', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const relative = linksOf(readme).filter((link) => !link.startsWith('#') && !/^https?:\/\//.test(link));
    expect(relative).toEqual([]);
  });

  it('the check can fail: a missing file, a missing heading and a relative README link are caught', () => {
    expect(target('docs/a.md', '../README.md#errors')).toEqual({ file: 'README.md', hash: 'errors' });
    expect(target('README.md', `${REPOSITORY}/blob/main/docs/nothing.md`)).toEqual({
      file: 'docs/nothing.md',
      hash: undefined,
    });
    expect(existsSync(join(repoRoot, 'docs/nothing.md'))).toBe(false);
    expect(anchorsOf('# Title\n```ts\n# not a heading\n```\n## Sub section')).toEqual([
      'title',
      'sub-section',
    ]);
    expect(linksOf('[a](docs/x.md) `[b](y.md)` [c](#c)')).toEqual(['docs/x.md', '#c']);
  });
});

describe('README.md', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const headings = [...readme.matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchor(m[1]!));
  const contents = /## Contents\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const links = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);

  it('has a table of contents whose every link leads to a heading', () => {
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((link) => !headings.includes(link))).toEqual([]);
  });

  it('lists every section in the table of contents', () => {
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => anchor(m[1]!));
    const untracked = new Set(['contents']);
    expect(sections.filter((s) => !untracked.has(s) && !links.includes(s))).toEqual([]);
  });
});
