/**
 * docs/architecture.md is the map of src/, and this keeps it true: every module is on the map
 * and the map names none that is gone; every import goes the way the map's "Imports" table
 * allows; core stays pure; only io writes files, only net speaks HTTP, only verify loads
 * Sigstore; src/index.ts exports what the map says it does. Each failure says what to change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const DOC = 'docs/architecture.md';
const doc = readFileSync(join(ROOT, DOC), 'utf8');

/** Every module: `src/**\/*.ts` and `bin/*`, relative to the root. */
const modules = [
  ...readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `src/${f}`),
  ...readdirSync(join(ROOT, 'bin')).map((f) => `bin/${f}`),
].sort();

/**
 * The modules the map names, in its first code block. A line at column 0 is a file
 * (`src/index.ts`) or opens a folder (`src/cli/`); a line indented by two spaces names one or
 * more modules of that folder (`run-check.ts, run-diff.ts`) before its description; deeper
 * indentation continues a description.
 */
function mapped(): Map<string, number> {
  const block = /^```\n([\s\S]*?)^```$/m.exec(doc);
  if (!block) throw new Error(`${DOC} has no code block holding the map of src/`);
  const first = doc.slice(0, block.index).split('\n').length + 1;
  const named = new Map<string, number>();
  let folder: string | undefined;
  for (const [i, line] of block[1]!.split('\n').entries()) {
    const top = /^((?:src|bin)\/[\w./-]*)(?: {2,}|$)/.exec(line);
    const inner = /^ {2}([\w./-]+\.ts(?:, [\w./-]+\.ts)*)(?: {2,}|$)/.exec(line);
    if (top) {
      if (top[1]!.endsWith('/')) folder = top[1]!;
      else named.set(top[1]!, first + i);
    } else if (inner && folder !== undefined) {
      for (const name of inner[1]!.split(', ')) named.set(folder + name, first + i);
    }
  }
  return named;
}

/** What a module is part of, for the "Imports" table: its folder under src/, or the file itself at the top. */
function partOf(module: string): string {
  if (module.startsWith('bin/')) return 'bin/';
  const rest = module.slice('src/'.length);
  return rest.includes('/') ? `${rest.split('/')[0]}/` : rest;
}

/** The "Imports" table: part → the parts it may import (besides itself). */
function allowedImports(): Map<string, Set<string>> {
  const section = /^## Imports\n([\s\S]*?)(?=^## )/m.exec(doc)?.[1];
  if (section === undefined) throw new Error(`${DOC} has no "## Imports" section (a table: part | may import)`);
  const table = new Map<string, Set<string>>();
  for (const row of section.matchAll(/^\| `([^`]+)` \| ([^|]*)\|/gm)) {
    table.set(row[1]!, new Set([...row[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
  }
  return table;
}

/** The text of a module without its comments (strings stay: import specifiers are strings). */
function code(module: string): string {
  return readFileSync(join(ROOT, module), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

interface Import {
  specifier: string;
  /** Named bindings (`{ a, b as c }` gives a, b); empty for a default, namespace or side-effect import. */
  names: string[];
  namespace: boolean;
}

/** Static imports and re-exports at the start of a line, and `import('…')` with a literal specifier. */
function importsOf(module: string): Import[] {
  const text = code(module);
  const found: Import[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    const clause = m[1]!;
    const names = [...(/\{([^}]*)\}/.exec(clause)?.[1]?.split(',') ?? [])]
      .map(
        (n) =>
          n
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0]!,
      )
      .filter(Boolean);
    found.push({ specifier: m[2]!, names, namespace: /\*|^[\w$]+(?:\s*,|$)/.test(clause.trim()) });
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ specifier: m[1]!, names: [], namespace: false });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: m[1]!, names: [], namespace: true });
  return found;
}

/** The module a relative specifier names (`../core/x.js` → `src/core/x.ts`; bin's `../dist/cli/x.js` → `src/cli/x.ts`). */
function target(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const path = relative(ROOT, resolve(ROOT, dirname(from), specifier)).replace(/^dist\//, 'src/');
  return path.replace(/\.js$/, '.ts');
}

/** node:fs functions that create, change or remove files; only io may call them. */
const FS_WRITES =
  /^(writeFile|appendFile|write|writev|rename|mkdir|mkdtemp|rm|rmdir|unlink|copyFile|cp|symlink|link|chmod|lchmod|chown|lchown|open|createWriteStream|truncate|ftruncate|utimes|lutimes|futimes)(Sync)?$/;

describe(`${DOC} is the map of src/`, () => {
  it('names every module, and no module that does not exist', () => {
    const named = mapped();
    const missing = modules
      .filter((m) => !named.has(m))
      .map((m) => {
        const folder = m.startsWith('src/') && m.slice(4).includes('/') ? `${m.slice(0, m.indexOf('/', 4) + 1)}` : undefined;
        return folder
          ? `${m} is not on the map: add a line "  ${m.slice(folder.length)}  <what it holds>" under ${folder} in ${DOC}`
          : `${m} is not on the map: add a line "${m}  <what it holds>" at the top of the map in ${DOC}`;
      });
    const gone = [...named]
      .filter(([m]) => !modules.includes(m))
      .map(([m, line]) => `${DOC}:${line} names ${m}, which does not exist: remove the line or correct the name`);
    expect([...missing, ...gone]).toEqual([]);
  });

  it('imports go the way the "Imports" table allows', () => {
    const table = allowedImports();
    const wrong: string[] = [];
    for (const module of modules) {
      const part = partOf(module);
      const may = table.get(part);
      if (may === undefined) {
        wrong.push(`${module}: ${part} has no row in ${DOC}'s "Imports" table: add one (what it may import, and why)`);
        continue;
      }
      for (const { specifier } of importsOf(module)) {
        const to = target(module, specifier);
        if (to === undefined) continue;
        const toPart = partOf(to);
        if (toPart !== part && !may.has(toPart))
          wrong.push(`${module} imports ${to}: ${part} may import ${[...may].join(', ') || 'nothing from src/'} (${DOC}, "Imports")`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('core is pure: no node: module, no undici or sigstore, no process', () => {
    const impure = modules
      .filter((m) => m.startsWith('src/core/'))
      .flatMap((m) => [
        ...importsOf(m)
          .filter(({ specifier }) => /^(node:|undici$|@sigstore\/|tuf-js)/.test(specifier))
          .map(({ specifier }) => `${m} imports ${specifier}: core is pure; do it in io, net or verify and pass the result in`),
        ...(/\bprocess\s*[.[]/.test(code(m)) ? [`${m} reads process: core is pure; take the value as a parameter`] : []),
      ]);
    expect(impure).toEqual([]);
  });

  it('only io writes files, only net imports undici (in http.ts), only verify imports sigstore and tuf-js', () => {
    const wrong: string[] = [];
    for (const module of modules.filter((m) => m.startsWith('src/'))) {
      for (const { specifier, names, namespace } of importsOf(module)) {
        if (/^(node:)?fs(\/promises)?$/.test(specifier) && !module.startsWith('src/io/')) {
          for (const name of names.filter((n) => FS_WRITES.test(n)))
            wrong.push(`${module} imports ${name} from ${specifier}: only io writes files (add what you need to src/io/)`);
          if (namespace) wrong.push(`${module} imports all of ${specifier}: outside io, import the reading functions by name`);
        }
        if (specifier === 'undici' && module !== 'src/net/http.ts') wrong.push(`${module} imports undici: HTTP goes through src/net/http.ts`);
        if (/^(@sigstore\/|tuf-js)/.test(specifier) && !module.startsWith('src/verify/'))
          wrong.push(`${module} imports ${specifier}: Sigstore belongs to src/verify/`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("src/index.ts's entry names every value the library exports", () => {
    const entry = /^src\/index\.ts {2,}(.*(?:\n {4,}.*)*)/m.exec(doc)?.[1] ?? '';
    const index = code('src/index.ts');
    const values = [...index.matchAll(/^export\s+\{([^}]*)\}/gm)].flatMap((m) =>
      m[1]!
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '' && !n.startsWith('type ')),
    );
    const wrong = [
      ...(/^export\s+\*/m.test(index) ? ['src/index.ts has `export *`: export each name, so the library face is what it says'] : []),
      ...values.filter((n) => !new RegExp(`\\b${n}\\b`).test(entry)).map((n) => `src/index.ts exports ${n}: name it in the src/index.ts entry of ${DOC}`),
    ];
    expect(wrong).toEqual([]);
  });
});
