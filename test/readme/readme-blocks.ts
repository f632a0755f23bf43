import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One ```ts block of a Markdown file. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** Its code. */
  code: string;
  /** `<!-- file: name.ts -->` before the fence: the file it is written to, so others can import it. */
  file: string | undefined;
  /** `<!-- not-compiled: reason -->` before the fence: a deliberate fragment, and why. */
  notCompiled: string | undefined;
}

const DIRECTIVE = /^<!--\s*(file|not-compiled):\s*(.+?)\s*-->$/;

/**
 * The ```ts / ```typescript blocks of a Markdown text, with the directives in the HTML comments
 * right above each (blank lines in between are allowed).
 */
export function extractTsBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(```+|~~~+)\s*(\S*)/.exec(lines[i]!);
    if (!fence) continue;
    const [, indent, marker, lang] = fence;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(marker!); i++) {
      body.push(lines[i]!.slice(indent!.length));
    }
    if (lang !== 'ts' && lang !== 'typescript') continue;
    const block: CodeBlock = {
      line: start + 1,
      code: body.join('\n'),
      file: undefined,
      notCompiled: undefined,
    };
    for (let j = start - 1; j >= 0; j--) {
      const text = lines[j]!.trim();
      if (text === '') continue;
      const directive = DIRECTIVE.exec(text);
      if (!directive) break;
      if (directive[1] === 'file') block.file = directive[2];
      else block.notCompiled = directive[2];
    }
    blocks.push(block);
  }
  return blocks;
}

/** A TypeScript diagnostic, mapped back to the Markdown file. */
export interface BlockError {
  /** `README.md:123`: the Markdown line the error is on. */
  where: string;
  message: string;
}

/**
 * Type-checks the compiled blocks of a Markdown file as a consumer project would: each block is a
 * module of its own (named by `<!-- file: -->`, else `block-<line>.ts`), `nestjs-cqrs-lite` and its
 * subpaths resolve to the built declarations in `dist/` (what a user's editor sees), and everything
 * else to the repository's node_modules. Returns the errors (empty when everything compiles).
 */
export function typeCheckBlocks(
  repoRoot: string,
  markdownFile: string,
  markdown = readFileSync(join(repoRoot, markdownFile), 'utf8'),
): BlockError[] {
  const blocks = extractTsBlocks(markdown).filter((block) => block.notCompiled === undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cqrs-lite-readme-'));
  try {
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    const files = new Map<string, CodeBlock>();
    for (const block of blocks) {
      const file = block.file ?? `block-${block.line}.ts`;
      if (files.has(file)) throw new Error(`${markdownFile}:${block.line}: a second block is named ${file}`);
      files.set(file, block);
      // `export {}` makes every block a module (its own scope), even one without imports.
      writeFileSync(join(dir, file), `${block.code}\nexport {};\n`);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022'],
          types: ['node', 'jest'],
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          noEmit: true,
          paths: {
            'nestjs-cqrs-lite': [join(repoRoot, 'dist/index.d.ts')],
            'nestjs-cqrs-lite/*': [join(repoRoot, 'dist/*/index.d.ts')],
          },
        },
        files: [...files.keys()],
      }),
    );
    try {
      execFileSync(
        process.execPath,
        [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'],
        {
          cwd: dir,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      return [];
    } catch (error) {
      const output = String((error as { stdout?: string }).stdout ?? error);
      return output
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => toBlockError(line, files, markdownFile));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function toBlockError(line: string, files: Map<string, CodeBlock>, markdownFile: string): BlockError {
  const match = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
  const block = match ? files.get(match[1]!) : undefined;
  if (!match || !block) return { where: markdownFile, message: line };
  // The code starts on the line after the fence.
  return { where: `${markdownFile}:${block.line + Number(match[2])}`, message: match[4]! };
}
