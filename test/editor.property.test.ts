/**
 * Property tests: generated lockfiles in every style real writers use (uv's
 * inline tables, pip's sub-tables, the spec's indentation), with comments,
 * blank lines, CRLF or mixed line endings, tool tables, multi-line strings
 * that look like headers, and hostile identity values, times random edits.
 *
 * FC_RUNS sets the number of runs (default 200; `npm run test:fuzz` uses 10000); fast-check
 * prints the seed of a failing run, and FC_SEED replays the tomllib batch.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { parseTOML, type AST } from 'toml-eslint-parser';
import { describe, expect, it } from 'vitest';
import { applyIdentityEdits, spliceSpans, type IdentityEdit } from '../src/core/editor.js';
import { scanLock } from '../src/core/lock-layout.js';

/** Where each `[[packages]]` entry is, from the scan reading does: its header's line and the span from its header to its last statement. */
function locatePackages(text: string): Array<{ position: number; line: number; start: number; end: number }> {
  return scanLock(text, undefined).layout.packages.map((p) => ({ position: p.position, line: p.header.line, start: p.header.start, end: p.last.next }));
}
import { scanToml } from '../src/core/scanner.js';
import { sameValue } from '../src/core/toml-equality.js';
import type { Identity, IdentityValue } from '../src/core/types.js';
import { referenceStatements, scannerView } from './support/toml-reference.ts';

const RUNS = Number(process.env.FC_RUNS ?? 200);
const IDENTITIES = 'attestation-identities';

// ---------------------------------------------------------------- generators

const HOSTILE = [
  'a',
  'z',
  '0',
  '-',
  '_',
  '.',
  ' ',
  '#',
  '[',
  ']',
  '[[',
  ']]',
  '{',
  '}',
  ',',
  '=',
  '"',
  "'",
  '\\',
  '\n',
  '\t',
  '\r\n',
  '\u0000',
  '\u001b',
  '\u007f',
  'é',
  '😀',
  '\u2028',
];
const hostileString = fc.string({ unit: fc.constantFrom(...HOSTILE), maxLength: 12 });
const plainString = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,11}$/);

/** A TOML basic string, written independently of the code under test. */
function basic(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007f');
}

/** Literal where it can be (as the spec example writes), basic otherwise. */
function str(s: string, literal: boolean): string {
  return literal && !/['\u0000-\u001f\u007f]/.test(s) ? `'${s}'` : basic(s);
}

const identityValue: fc.Arbitrary<IdentityValue> = fc.oneof(
  hostileString,
  plainString,
  fc.integer(),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const identityKey = fc.oneof(fc.constantFrom('repository', 'workflow', 'environment', 'workflow_filepath', 'email'), hostileString);
const identity: fc.Arbitrary<Identity> = fc
  .record({
    kind: fc.oneof(fc.constantFrom('GitHub', 'GitLab', 'Google'), hostileString),
    rest: fc.dictionary(
      identityKey.filter((k) => k !== 'kind'),
      identityValue,
      { maxKeys: 4, noNullPrototype: true },
    ),
  })
  .map(({ kind, rest }) => ({ kind, ...rest }));
const identities = fc.array(identity, { maxLength: 3 });

type Style = 'uv' | 'pip' | 'spec';

interface Pkg {
  style: Style;
  name: string;
  version: string;
  wheels: number;
  sdist: boolean;
  multilineWheels: boolean;
  deps: boolean;
  tool: 'none' | 'table' | 'subtable' | 'dotted';
  comments: boolean;
  blankLines: number;
  existing: 'none' | 'blocks' | 'inline';
  existingIds: Identity[];
  /** Existing blocks before the wheels instead of last, so the package's tables interleave. */
  blocksFirst: boolean;
  /** A sub-table under each existing block: removed with it. */
  blockSub: boolean;
  /** Comments in every position around and inside the existing blocks: they all stay when the blocks go. */
  blockComments: boolean;
  /** An unrelated top-level table between the package's body and its sub-tables (valid TOML). */
  interleave: boolean;
}

interface Doc {
  headerComment: boolean;
  quotes: 'single' | 'double';
  indent: string;
  packages: Pkg[];
  trailingTool: boolean;
  eol: 'lf' | 'crlf' | 'mixed';
  mixed: boolean[];
  finalNewline: boolean;
}

function pkgArb(existing: boolean): fc.Arbitrary<Pkg> {
  return fc.record({
    style: fc.constantFrom<Style>('uv', 'pip', 'spec'),
    name: fc.oneof(plainString, hostileString),
    version: plainString,
    wheels: fc.integer({ min: 0, max: 3 }),
    sdist: fc.boolean(),
    multilineWheels: fc.boolean(),
    deps: fc.boolean(),
    tool: fc.constantFrom<Pkg['tool']>('none', 'table', 'subtable', 'dotted'),
    comments: fc.boolean(),
    blankLines: fc.integer({ min: 0, max: 2 }),
    existing: existing ? fc.constantFrom<Pkg['existing']>('none', 'blocks', 'inline') : fc.constant<Pkg['existing']>('none'),
    existingIds: fc.array(identity, { minLength: 1, maxLength: 2 }),
    blocksFirst: fc.boolean(),
    blockSub: fc.boolean(),
    blockComments: fc.boolean(),
    interleave: fc.boolean(),
  });
}

function docArb(existing: boolean): fc.Arbitrary<Doc> {
  return fc.record({
    headerComment: fc.boolean(),
    quotes: fc.constantFrom<Doc['quotes']>('single', 'double'),
    indent: fc.constantFrom('', '    ', '\t'),
    packages: fc.array(pkgArb(existing), { minLength: 1, maxLength: 5 }),
    trailingTool: fc.boolean(),
    eol: fc.constantFrom<Doc['eol']>('lf', 'crlf', 'mixed'),
    mixed: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
    finalNewline: fc.boolean(),
  });
}

const TRAPS = ['[[packages]]', '[[packages.attestation-identities]]', 'kind = "trap"', '# not a comment', "'", '"', ']]', '[packages.tool]'];

function hash(seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}

function inlineIdentity(id: Identity): string {
  return `{ ${Object.entries(id)
    .map(([k, v]) => `${basic(k)} = ${typeof v === 'string' ? basic(v) : tomlNumberOrBool(v)}`)
    .join(', ')} }`;
}

function tomlNumberOrBool(v: number | boolean): string {
  if (typeof v === 'boolean') return String(v);
  if (Object.is(v, -0)) return '-0.0';
  if (Number.isSafeInteger(v)) return String(v);
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function wheelUrl(p: Pkg, i: number): string {
  return `https://files.example.org/${encodeURIComponent(p.name)}-${p.version}-${i}-py3-none-any.whl#frag`;
}

function pkgLines(doc: Doc, p: Pkg, i: number): string[] {
  const lit = doc.quotes === 'single';
  const ind = p.style === 'spec' ? doc.indent : '';
  const out: string[] = [`[[packages]]${p.comments ? ' # [[packages.wheels]] "' : ''}`, `name = ${str(p.name, lit)}`, `version = ${str(p.version, lit)}`];
  if (p.comments) out.push(`# ${TRAPS[i % TRAPS.length]}`);
  if (p.tool === 'dotted') out.push(`tool.example.flag = ${str('on', lit)}`);
  if (p.deps) out.push('dependencies = [', `    {name = ${str('dep]', lit)}}, # ]`, '    # } comment', ']');
  if (p.existing === 'inline') out.push(`${IDENTITIES} = [${p.existingIds.map(inlineIdentity).join(', ')}]`);
  if (p.style === 'uv') out.push(...uvFiles(p, lit));
  if (p.existing === 'blocks' && p.blocksFirst) out.push(...existingBlocks(p, ind));
  if (p.interleave) out.push('', `[tool.between-${i}] # not this package's`, 'k = 1');
  for (let w = 0; p.style !== 'uv' && w < p.wheels; w++) out.push(...tableWheel(p, w, ind, lit));
  for (let b = 0; b < p.blankLines; b++) out.push('');
  if (p.existing === 'blocks' && !p.blocksFirst) out.push(...existingBlocks(p, ind));
  out.push(...toolLines(p));
  return out;
}

function uvFiles(p: Pkg, lit: boolean): string[] {
  const out: string[] = [];
  if (p.sdist) out.push(`sdist = { url = ${str(wheelUrl(p, 99).replace('.whl', '.tar.gz'), lit)}, hashes = { sha256 = "${hash(p.name)}" } }`);
  const wheels = Array.from(
    { length: p.wheels },
    (_, w) => `{ url = ${str(wheelUrl(p, w), lit)}, size = ${w + 1}, hashes = { sha256 = "${hash(p.name + w)}" } }`,
  );
  if (p.wheels === 0) return out;
  if (!p.multilineWheels) return [...out, `wheels = [${wheels.join(', ')}]`];
  return [...out, 'wheels = [', ...wheels.map((w) => `    ${w}, # "]`), ']'];
}

function tableWheel(p: Pkg, w: number, ind: string, lit: boolean): string[] {
  const head = ['', `${ind}[[packages.wheels]]`, `${ind}name = ${str(`w${w}.whl`, lit)}`, `${ind}url = ${str(wheelUrl(p, w), lit)}`];
  if (p.comments) head.push(`${ind}# ${TRAPS[w % TRAPS.length]}`);
  if (p.style === 'spec')
    return [...head, `${ind}upload-time = 2025-01-25T11:30:10.164985+00:00`, `${ind}size = ${w}`, `${ind}hashes = {sha256 = '${hash(p.name + w)}'}`];
  return [...head, '', `${ind}[packages.wheels.hashes]`, `${ind}sha256 = "${hash(p.name + w)}"`];
}

function existingBlocks(p: Pkg, ind: string): string[] {
  const c = p.blockComments;
  return p.existingIds.flatMap((id) => [
    '',
    ...(c ? [`${ind}# NOTE: reviewed by hand, keep`] : []),
    `${ind}[[packages.${IDENTITIES}]]${p.comments || c ? ' # recorded by hand' : ''}`,
    ...Object.entries(id).flatMap(([k, v], j) => [
      `${ind}${basic(k)} = ${typeof v === 'string' ? basic(v) : tomlNumberOrBool(v)}${c ? ' # trailing' : ''}`,
      ...(c && j === 0 ? [`${ind}# between keys`] : []),
    ]),
    ...(p.comments ? [`${ind}# ${TRAPS[0]}`] : []),
    ...(c ? [`${ind}# after the last key`, '', `${ind}# between blocks`] : []),
    ...(p.blockSub
      ? [`${ind}[packages.${IDENTITIES}.extra]${c ? ' # sub' : ''}`, `${ind}note = "sub-table"`, ...(c ? [`${ind}# after the sub-table`] : [])]
      : []),
  ]);
}

function toolLines(p: Pkg): string[] {
  switch (p.tool) {
    case 'table':
      return ['', '[packages.tool]', 'x = 1'];
    case 'subtable':
      return ['', '# the tool table', '[packages.tool.example]', `note = """`, ...TRAPS, `"""`, `raw = '''`, '[[packages]]', `'''`];
    default:
      return [];
  }
}

function render(doc: Doc): string {
  const lines: string[] = [];
  if (doc.headerComment) lines.push('# generated: [[packages]] = "not a header"');
  lines.push(`lock-version = ${str('1.0', doc.quotes === 'single')}`, 'created-by = "property-test"  # comment', '');
  for (const [i, p] of doc.packages.entries()) lines.push(...pkgLines(doc, p, i), '');
  if (doc.trailingTool) lines.push('[tool.mousebender]', "command = ['.', 'lock', '[[x]]']", 'run-on = 2025-03-06T12:28:57.760769');
  let text = '';
  lines.forEach((line, i) => {
    text += line + eolFor(doc, i);
  });
  return doc.finalNewline ? text : text.replace(/(\r?\n)+$/, '');
}

function eolFor(doc: Doc, i: number): string {
  if (doc.eol === 'lf') return '\n';
  if (doc.eol === 'crlf') return '\r\n';
  return doc.mixed[i % doc.mixed.length] ? '\r\n' : '\n';
}

function editsArb(count: number): fc.Arbitrary<IdentityEdit[]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max: count - 1 }), { maxLength: count })
    .chain((indices) => fc.tuple(...indices.map((i) => identities.map((ids) => ({ position: i, identities: ids })))));
}

const caseArb = (existing: boolean) => docArb(existing).chain((doc) => fc.tuple(fc.constant(doc), editsArb(doc.packages.length)));

// ---------------------------------------------------------------- checks

/** What the data must be after the edits: the input's, with exactly the edited identities replaced. */
function expectedData(text: string, edits: IdentityEdit[]): Record<string, unknown> {
  const data = parse(text) as { packages: Array<Record<string, unknown>> };
  for (const { position, identities: ids } of edits) {
    const pkg = data.packages[position]!;
    delete pkg[IDENTITIES];
    if (ids.length > 0) pkg[IDENTITIES] = ids;
  }
  return data;
}

/**
 * Remove every identity table the reference parser (toml-eslint-parser) finds,
 * with the one blank line we write before each.
 */
function stripIdentityTables(text: string): string {
  const tables = parseTOML(text, { tomlVersion: '1.0' }).body[0].body.filter(
    (n): n is AST.TOMLTable => n.type === 'TOMLTable' && n.resolvedKey[2] === IDENTITIES,
  );
  let out = text;
  for (const t of tables.reverse()) {
    const lineStart = out.lastIndexOf('\n', t.range[0] - 1) + 1;
    const blank = out.charCodeAt(lineStart - 2) === 0x0d ? 2 : 1;
    const lf = out.indexOf('\n', t.range[1]);
    out = out.slice(0, lineStart - blank) + out.slice(lf < 0 ? out.length : lf + 1);
  }
  return out;
}

/**
 * `text` without the identity lines of `packages`, found by the reference parser
 * (toml-eslint-parser): each identity table's header and key lines (whole lines,
 * trailing comments included) with the one blank line right above its header,
 * and an inline `attestation-identities = [...]` statement's lines. Comments and
 * every other blank line stay.
 */
function withoutIdentityLines(text: string, packages: ReadonlySet<number>): string {
  const lineOf = (at: number): number => text.lastIndexOf('\n', at - 1) + 1;
  const nextLine = (at: number): number => {
    const lf = text.indexOf('\n', at);
    return lf < 0 ? text.length : lf + 1;
  };
  const drop: Array<[number, number]> = [];
  const dropLines = (from: number, to: number) => drop.push([lineOf(from), nextLine(to)]);
  for (const node of parseTOML(text, { tomlVersion: '1.0' }).body[0].body) {
    if (node.type !== 'TOMLTable' || node.resolvedKey[0] !== 'packages' || !packages.has(node.resolvedKey[1] as number)) continue;
    if (node.resolvedKey[2] === IDENTITIES) {
      const header = lineOf(node.range[0]);
      const above = lineOf(header - 1);
      if (header > 0 && /^[ \t]*\r?\n$/.test(text.slice(above, header))) drop.push([above, header]);
      dropLines(node.range[0], node.key.range[1]);
      for (const kv of node.body) dropLines(kv.range[0], kv.range[1]);
    } else if (node.resolvedKey.length === 2) {
      for (const kv of node.body) {
        const first = kv.key.keys[0]!;
        if ((first.type === 'TOMLBare' ? first.name : first.value) === IDENTITIES) dropLines(kv.range[0], kv.range[1]);
      }
    }
  }
  drop.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of drop) {
    out += text.slice(at, Math.max(at, start));
    at = Math.max(at, end);
  }
  return out + text.slice(at);
}

/** Equal, or equal but for the newline we add after a last line that had none. */
function expectSameOrNewlineAdded(actual: string, input: string): void {
  if (actual === input || actual === `${input}\n` || actual === `${input}\r\n`) return;
  expect(actual).toBe(input);
}

// ---------------------------------------------------------------- properties

describe('applyIdentityEdits on generated lockfiles', () => {
  it('only inserts our blocks: strip them and the original bytes come back', () => {
    fc.assert(
      fc.property(caseArb(false), ([doc, edits]) => {
        const input = render(doc);
        const { text } = applyIdentityEdits(input, edits);
        // Inserting after a last line without a newline first adds one.
        expectSameOrNewlineAdded(stripIdentityTables(text), input);
      }),
      { numRuns: RUNS },
    );
  });

  it('reads back as the input data plus exactly the identities asked for', () => {
    fc.assert(
      fc.property(caseArb(true), ([doc, edits]) => {
        const input = render(doc);
        const { text } = applyIdentityEdits(input, edits);
        expect(parse(text)).toEqual(expectedData(input, edits));
      }),
      { numRuns: RUNS },
    );
  });

  it('is idempotent: the same edits on the output change nothing', () => {
    fc.assert(
      fc.property(caseArb(true), ([doc, edits]) => {
        const input = render(doc);
        const once = applyIdentityEdits(input, edits);
        expect(applyIdentityEdits(once.text, edits)).toEqual({ text: once.text, changed: false });
      }),
      { numRuns: RUNS },
    );
  });

  it('brings in no line ending the file did not already use', () => {
    fc.assert(
      fc.property(caseArb(true), ([doc, edits]) => {
        const input = render(doc);
        const { text } = applyIdentityEdits(input, edits);
        const bareLf = (t: string) => /(^|[^\r])\n/.test(t);
        if (!input.includes('\r\n')) expect(text).not.toContain('\r\n');
        if (!bareLf(input)) expect(bareLf(text)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('undoes itself: removing what it added gives the original bytes', () => {
    fc.assert(
      fc.property(caseArb(false), ([doc, edits]) => {
        const input = render(doc);
        const added = applyIdentityEdits(input, edits).text;
        const removals = edits.map((e) => ({ position: e.position, identities: [] }));
        const removed = applyIdentityEdits(added, removals).text;
        expectSameOrNewlineAdded(removed, input);
      }),
      { numRuns: RUNS },
    );
  });

  it('removes only identity lines: every comment, and every blank line but the one above each header, stays', () => {
    const removals = docArb(true).chain((doc) =>
      fc.tuple(
        fc.constant(doc),
        fc
          .uniqueArray(fc.integer({ min: 0, max: doc.packages.length - 1 }), { minLength: 1, maxLength: doc.packages.length })
          .map((is) => is.map((position) => ({ position, identities: [] as Identity[] }))),
      ),
    );
    fc.assert(
      fc.property(removals, ([doc, edits]) => {
        const input = render(doc);
        const { text } = applyIdentityEdits(input, edits);
        expect(text).toBe(withoutIdentityLines(input, new Set(edits.map((e) => e.position))));
        // The reference's own sanity: every comment line of the input is still there, in order.
        const comments = (t: string) => t.split(/\r?\n/).filter((l) => /^\s*#/.test(l));
        expect(comments(text)).toEqual(comments(input));
      }),
      { numRuns: RUNS },
    );
  });

  it('scans both input and output exactly where toml-eslint-parser puts every header and key', () => {
    fc.assert(
      fc.property(caseArb(true), ([doc, edits]) => {
        const input = render(doc);
        expect(scannerView(scanToml(input))).toEqual(referenceStatements(parseTOML(input, { tomlVersion: '1.0' }), input));
        const { text } = applyIdentityEdits(input, edits);
        expect(scannerView(scanToml(text))).toEqual(referenceStatements(parseTOML(text, { tomlVersion: '1.0' }), text));
      }),
      { numRuns: RUNS },
    );
  });
});

/**
 * The editor checks each edited package on its own text (docs/decisions.md,
 * "the per-package check"). The check it replaced parsed the whole result
 * and compared it with the original data plus the identities. Here both run
 * on the same outputs: every correct splice, and the same splice corrupted at
 * a random place (what a splicing bug would produce). Whatever the
 * per-package check accepts, the whole-document check accepts too.
 */
describe('the per-package check against a full re-parse', () => {
  const FRAGMENTS = [
    '[[packages]]\n',
    '[packages.wheels]\n',
    '[tool.y]\n',
    'x = 1\n',
    'name = "q"\n',
    'kind = "GitHub"\n',
    '[[packages.attestation-identities]]\n',
    '"',
    '"""',
    "'''",
    '#',
    '\n',
    '\r\n',
    ']',
    '[',
    ',',
    '=',
    ' ',
    '-0.0',
    '2025-01-25T11:30:10Z',
  ];
  const mutation = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom<'insert' | 'delete' | 'replace'>('insert', 'delete', 'replace'),
    fragment: fc.constantFrom(...FRAGMENTS),
    length: fc.integer({ min: 1, max: 12 }),
  });
  type Mutation = { at: number; kind: 'insert' | 'delete' | 'replace'; fragment: string; length: number };
  const mutate = (text: string, m: Mutation): string => {
    const at = m.at % (text.length + 1);
    if (m.kind === 'insert') return text.slice(0, at) + m.fragment + text.slice(at);
    if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + m.length);
    return text.slice(0, at) + m.fragment + text.slice(at + m.fragment.length);
  };
  /** The old guard: the whole result parses, and its data is the input's with exactly this package's identities replaced. */
  const wholeAccepts = (input: string, out: string, edit: IdentityEdit): boolean => {
    let data: unknown;
    try {
      data = parse(out);
    } catch {
      return false;
    }
    return sameValue(data, expectedData(input, [edit]));
  };
  const oneEdit = docArb(true)
    .filter((doc) => doc.packages.every((p) => !p.interleave))
    .chain((doc) =>
      fc.tuple(fc.constant(doc), fc.integer({ min: 0, max: doc.packages.length - 1 }), identities, fc.array(mutation, { minLength: 1, maxLength: 3 })),
    );

  it('accepts every correct splice; of corrupted ones, only what the full re-parse accepts too', () => {
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(oneEdit, ([doc, position, ids, mutations]) => {
        const input = render(doc);
        const edit = { position, identities: ids };
        const good = applyIdentityEdits(input, [edit]).text;
        const { start, end } = locatePackages(input)[position]!;
        const replacement = good.slice(start, good.length - (input.length - end));
        expect(spliceSpans(input, [{ start, end, replacement, identities: ids }])).toBe(good);
        expect(wholeAccepts(input, good, edit)).toBe(true);
        const corrupted = mutations.reduce(mutate, replacement);
        let out: string | undefined;
        try {
          out = spliceSpans(input, [{ start, end, replacement: corrupted, identities: ids }]);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('EDIT_MISMATCH');
        }
        if (out === undefined) rejected++;
        else {
          accepted++;
          expect(wholeAccepts(input, out, edit), JSON.stringify(corrupted)).toBe(true);
        }
      }),
      { numRuns: RUNS * 2 },
    );
    // Most corruptions must be caught, or the property says little.
    expect(rejected).toBeGreaterThan(accepted);
  });
});

const havePython = spawnSync('python3', ['-c', 'import tomllib'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!havePython)(`Python's tomllib${havePython ? '' : ' (skipped: python3 with tomllib not found)'}`, () => {
  it('reads every generated output with the identities we meant (one python3 run for a batch)', () => {
    // A fixed seed in the default run, a random one under `npm run test:fuzz` (FC_RUNS set).
    // Why not random everywhere: Node 24.21's JSON.parse decoded the escaped key "\u2028" in
    // Python's output as "\\" after certain earlier objects (FC_SEED=17907550 with 200 runs):
    // a V8 bug in this harness's transport, not in our output, which tomllib reads correctly.
    const seed = Number(process.env.FC_SEED ?? (process.env.FC_RUNS ? Date.now() % 2 ** 31 : 20261122));
    const cases = fc.sample(caseArb(true), { numRuns: Math.min(RUNS, 300), seed });
    const dir = mkdtempSync(join(tmpdir(), 'pylock-attest-property-'));
    try {
      const expected = cases.map(([doc, edits], i) => {
        const input = render(doc);
        writeFileSync(join(dir, `${i}.toml`), applyIdentityEdits(input, edits).text, 'utf8');
        const data = expectedData(input, edits) as { packages: Array<Record<string, unknown>> };
        return data.packages.map((p) => p[IDENTITIES] ?? null);
      });
      const script = [
        'import json, sys, tomllib',
        'out = []',
        'for i in range(int(sys.argv[2])):',
        '    with open(f"{sys.argv[1]}/{i}.toml", "rb") as f: doc = tomllib.load(f)',
        '    out.append([p.get("attestation-identities") for p in doc["packages"]])',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync('python3', ['-c', script, dir, String(cases.length)], { encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(run.stderr, `reproduce with FC_SEED=${seed}`).toBe('');
      // Both sides through JSON, which writes -0 as 0 (Python keeps -0.0; smol-toml tests cover it).
      const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
      expect(json(JSON.parse(run.stdout)), `reproduce with FC_SEED=${seed}`).toEqual(json(expected));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
