/**
 * The docs are part of the product: every relative link and #anchor in
 * README.md and docs/ resolves, every `pylock-attest <command> --option`
 * they show exists in the options table, and every `docs/…#anchor` an error
 * hint in src/ points to is a real heading.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, optionsFor, type CommandName } from '../src/cli/options.js';

const ROOT = resolve(import.meta.dirname, '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^[a-z][a-z+.-]*:/i.test(href));
}

/** Every `pylock-attest <command> …` in the docs' code blocks, up to a shell operator. */
function commandLines(markdown: string): Array<{ command: string; rest: string; line: string }> {
  const blocks = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const found: Array<{ command: string; rest: string; line: string }> = [];
  for (const line of blocks.flatMap((b) => b.split('\n'))) {
    for (const m of line.matchAll(/pylock-attest(?:@\S+|\.js)?\s+([a-z]+)\b([^|;&>#]*)/g)) found.push({ command: m[1]!, rest: m[2]!, line });
  }
  return found;
}

describe('docs', () => {
  it('every relative link and anchor in README.md and docs/ resolves', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const href of links(text)) {
        const [path = '', anchor] = href.split('#');
        const target = path === '' ? join(ROOT, doc) : resolve(join(ROOT, dirname(doc)), path);
        if (!existsSync(target)) broken.push(`${doc}: ${href} (no such file)`);
        else if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor))
          broken.push(`${doc}: ${href} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every pylock-attest command line they show uses real commands and options', () => {
    const known = new Set(COMMANDS.map((c) => c.name as string));
    const wrong: string[] = [];
    let count = 0;
    for (const doc of [...DOCS, '.pre-commit-hooks.yaml']) {
      const text = doc.endsWith('.yaml') ? '```\n' + readFileSync(join(ROOT, doc), 'utf8') + '```' : readFileSync(join(ROOT, doc), 'utf8');
      for (const { command, rest, line } of commandLines(text)) {
        if (!known.has(command)) continue; // prose such as "pylock-attest is…" inside a block
        count++;
        const allowed = new Set([
          'help',
          'version',
          ...optionsFor(command as CommandName).flatMap((o) => (o.type === 'boolean' ? [o.name, `no-${o.name}`] : [o.name])),
        ]);
        for (const m of rest.matchAll(/(?:^|\s)--([a-z][a-z-]*)/g))
          if (!allowed.has(m[1]!)) wrong.push(`${doc}: --${m[1]} is not an option of ${command}: ${line.trim()}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(count).toBeGreaterThan(10);
  });

  it('docs/audit.md has a section for every finding category (reports link to docs/audit.md#<category>)', () => {
    const union = /export type FindingCategory =([^;]+);/.exec(readFileSync(join(ROOT, 'src/core/outcome.ts'), 'utf8'))?.[1] ?? '';
    const categories = [...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    expect(categories.length).toBeGreaterThan(5);
    const headings = anchors(readFileSync(join(ROOT, 'docs/audit.md'), 'utf8'));
    expect(categories.filter((c) => !headings.has(c))).toEqual([]);
  });

  it('docs/ references in error hints point at real headings', () => {
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const wrong: string[] = [];
    for (const file of sources) {
      const text = readFileSync(join(ROOT, 'src', file), 'utf8');
      for (const m of text.matchAll(/docs\/([a-z-]+\.md)#([a-z0-9-]+)/g)) {
        const target = join(ROOT, 'docs', m[1]!);
        if (m[2]!.includes('${')) continue;
        if (!existsSync(target) || !anchors(readFileSync(target, 'utf8')).has(m[2]!)) wrong.push(`src/${file}: docs/${m[1]}#${m[2]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
  it('docs/security.md: every `code:` comment names a file under src/ and functions it defines (the claim and its code stay together)', () => {
    const text = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');
    const refs = [...text.matchAll(/<!--\s*code:\s*([\s\S]*?)-->/g)].flatMap((m) => m[1]!.split(';').map((part) => part.trim().split(/\s+/)));
    expect(refs.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const [file, ...names] of refs) {
      const path = join(ROOT, 'src', file!);
      if (!existsSync(path)) {
        missing.push(`${file}: no such file`);
        continue;
      }
      const source = readFileSync(path, 'utf8');
      for (const name of names) {
        const defined = new RegExp(
          `(?:function\\*?|class|const|interface|type)\\s+${name}\\b|^\\s*(?:(?:private|public|static|async|export)\\s+)*#?${name}\\s*[(<]`,
          'm',
        );
        if (!defined.test(source)) missing.push(`${file}: ${name} is not defined there`);
      }
    }
    expect(missing).toEqual([]);
  });
});
