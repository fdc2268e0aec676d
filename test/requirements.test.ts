import { describe, expect, it } from 'vitest';
import { normalizeMarker } from '../src/core/markers.js';
import { collectPins } from '../src/core/pin-set.js';
import { parseRequirements, type ParseOptions } from '../src/core/requirements.js';
import { PylockAttestError } from '../src/errors.js';
import { readRequirementsFiles } from '../src/io/requirements-file.js';
import { tempDir } from './support/workspace.ts';

const H1 = 'a1'.repeat(32);
const H2 = 'B2'.repeat(32);
const REQ: ParseOptions = { constraints: false };

function pins(text: string, options: ParseOptions = REQ) {
  return parseRequirements(text, 'r.txt', options).entries.flatMap((e) => (e.kind === 'pin' ? [e.pin] : []));
}

/** The error a parse throws: code and file:line:column, never message text. */
function errorOf(fn: () => unknown): { code: string; at: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof PylockAttestError) return { code: e.code, at: `${e.file}:${e.line}:${e.column ?? ''}` };
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseRequirements: what pip-compile and uv write', () => {
  it('reads pins, extras, markers, and hashes over backslash continuations, with their physical lines', () => {
    const text = `# header\nrequests[socks, security]==2.31.0 ; python_version>="3.8" \\\n    --hash=sha256:${H1} \\\n    --hash sha256:${H2}\n    # via -r requirements.in\n`;
    const [pin] = pins(text);
    expect(pin).toEqual({
      name: 'requests',
      project: 'requests',
      extras: ['socks', 'security'],
      version: '2.31.0',
      marker: "python_version >= '3.8'",
      hashes: [
        { sha256: H1, at: { file: 'r.txt', line: 3, column: 5 } },
        { sha256: H2.toLowerCase(), at: { file: 'r.txt', line: 4, column: 5 } },
      ],
      at: { file: 'r.txt', line: 2, column: 1 },
    });
  });

  it('strips comments as pip does (a # after whitespace), keeps line numbers with CRLF and a BOM', () => {
    const text = '\uFEFF# c\r\nZope.Interface==5.0  # why\r\n\r\nidna==3.6#not-a-comment-but-invalid\r\n';
    expect(errorOf(() => pins(text))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:4:1' });
    const [zope] = pins('\uFEFF# c\r\nZope.Interface==5.0  # why\r\n');
    expect(zope).toMatchObject({ name: 'Zope.Interface', project: 'zope-interface', version: '5.0', at: { line: 2 } });
  });

  it('a comment line ends a continuation, as in pip', () => {
    const text = 'idna==3.6 \\\n# comment\n';
    expect(pins(text).map((p) => p.version)).toEqual(['3.6']);
  });

  it('reads the options pip allows, in their short, long and = forms', () => {
    const text =
      '-rbase.txt\n--requirement=more.txt\n-c c.txt\n-i https://a.example/simple\n--extra-index-url=https://b.example/simple\n--require-hashes\n--pre --prefer-binary\n--trusted-host a.example\n';
    const entries = parseRequirements(text, 'r.txt', REQ).entries;
    expect(entries.map((e) => [e.kind, 'path' in e ? e.path : 'url' in e ? e.url : '', e.kind === 'include' ? e.constraint : ''])).toEqual([
      ['include', 'base.txt', false],
      ['include', 'more.txt', false],
      ['include', 'c.txt', true],
      ['index-url', 'https://a.example/simple', ''],
      ['extra-index-url', 'https://b.example/simple', ''],
      ['require-hashes', '', ''],
    ]);
  });

  it('warns about options that change which files install but are ignored', () => {
    const parsed = parseRequirements('--only-binary :all:\nidna==3.6 --config-settings x=y\n', 'r.txt', REQ);
    expect(parsed.warnings.map((w) => w.at.line)).toEqual([1, 2]);
  });

  it('expands ${VAR} as pip does (upper-case names; unknown ones stay)', () => {
    const env = (name: string) => ({ TOKEN: 's3cret' })[name];
    const entries = parseRequirements('--index-url https://u:${TOKEN}@host.example/${lower}/${MISSING}/simple\n', 'r.txt', { constraints: false, env }).entries;
    expect(entries[0]).toMatchObject({ kind: 'index-url', url: 'https://u:s3cret@host.example/${lower}/${MISSING}/simple' });
  });

  it('reads a constraints file: ranges allowed, pins become constraints, -r inside stays a constraint', () => {
    const entries = parseRequirements('requests>=2.28,<3\nidna==3.6 ; python_version < "3.9"\n-r more.txt\n', 'c.txt', { constraints: true }).entries;
    expect(entries).toMatchObject([
      { kind: 'constraint', constraint: { project: 'requests', specifier: '>=2.28,<3' } },
      { kind: 'constraint', constraint: { project: 'idna', specifier: '==3.6', marker: "python_version < '3.9'" } },
      { kind: 'include', path: 'more.txt', constraint: true },
    ]);
  });

  const refused: Array<[string, string, string]> = [
    ['unpinned', 'requests\n', 'r.txt:1:1'],
    ['ranged', 'idna==3.6\nrequests>=2,<3\n', 'r.txt:2:1'],
    ['two clauses', 'requests==2.31.0,!=2.30\n', 'r.txt:1:1'],
    ['wildcard', 'requests==2.*\n', 'r.txt:1:1'],
    ['arbitrary equality', 'requests===2.31.0\n', 'r.txt:1:1'],
    ['URL', 'pkg @ https://x.example/pkg-1.0.tar.gz\n', 'r.txt:1:1'],
    ['bare URL', 'https://x.example/pkg-1.0-py3-none-any.whl\n', 'r.txt:1:1'],
    ['path', './vendor/pkg\n', 'r.txt:1:1'],
    ['editable', '\n-e .\n', 'r.txt:2:1'],
    ['find-links', '--find-links ./wheels\n', 'r.txt:1:1'],
    ['no-index', '--no-index\n', 'r.txt:1:1'],
    ['unknown option', 'idna==3.6\n  --frobnicate\n', 'r.txt:2:3'],
    ['unknown option after a requirement', 'idna==3.6 \\\n  --frobnicate\n', 'r.txt:2:3'],
    ['--hash on its own line', '--hash=sha256:' + H1 + '\n', 'r.txt:1:1'],
    ['-r after a requirement', 'idna==3.6 -r x.txt\n', 'r.txt:1:11'],
    ['md5 hash', 'idna==3.6 --hash=md5:0123456789abcdef0123456789abcdef\n', 'r.txt:1:11'],
    ['short hash', 'idna==3.6 \\\n  \\\n  --hash=sha256:abc\n', 'r.txt:3:3'],
    ['option without value', '--index-url\n', 'r.txt:1:1'],
    ['invalid version', 'idna==three\n', 'r.txt:1:1'],
    ['invalid marker', 'idna==3.6 ; os_name = "nt"\n', 'r.txt:1:21'],
    ['unknown marker variable', 'idna==3.6 ; python == "3"\n', 'r.txt:1:13'],
    ['unclosed extras', 'idna[x==3.6\n', 'r.txt:1:1'],
    ['a tab before --hash (pip splits options at spaces only)', `idna==3.6\t--hash=sha256:${H1}\n`, 'r.txt:1:10'],
    ['a tab-indented --hash on a continuation line', `idna==3.6 \\\n\t--hash=sha256:${H1}\n`, 'r.txt:2:1'],
  ];
  for (const [name, text, at] of refused) {
    it(`refuses ${name} at file:line:column`, () => {
      expect(errorOf(() => pins(text))).toEqual({ code: 'REQUIREMENTS', at });
    });
  }

  it('names the tab, not a version specifier, when a tab separates a pin from its --hash', () => {
    expect(() => pins(`idna==3.6\t--hash=sha256:${H1}\n`)).toThrow(/a tab separates the requirement from the option after it/);
  });
});

describe('normalizeMarker', () => {
  it('writes one normal form: single spaces, single quotes, aliases resolved, groups kept', () => {
    expect(normalizeMarker(`python_version>="3.8"and(sys_platform=='win32' or  os.name == "nt")`)).toEqual({
      ok: true,
      marker: "python_version >= '3.8' and (sys_platform == 'win32' or os_name == 'nt')",
    });
    expect(normalizeMarker(`"linux" in sys_platform and platform_release not in "it's"`)).toEqual({
      ok: true,
      marker: `'linux' in sys_platform and platform_release not in "it's"`,
    });
    expect(normalizeMarker('extra == "x" or dependency_groups == "dev"')).toMatchObject({ ok: true });
  });

  it('refuses what PEP 508 does not allow', () => {
    for (const bad of [
      '',
      'python_version',
      'python_version >= ',
      '(python_version >= "3"',
      'python_version >= "3" and',
      'foo == "1"',
      "python_version >= '3",
      'python_version => "3"',
    ]) {
      expect(normalizeMarker(bad).ok).toBe(false);
    }
  });
});

describe('collectPins: duplicates, conflicts, constraints, hash-checking', () => {
  const at = (text: string) => parseRequirements(text, 'r.txt', REQ).entries;

  it('folds duplicates (extras merged, unconditional covers conditional) and keeps per-marker pins apart', () => {
    const set = collectPins(
      at(
        'requests==2.31.0\nrequests[socks]==2.31\nnumpy==1.26.4 ; python_version < "3.9"\nnumpy==2.0.0 ; python_version >= "3.9"\nidna==3.6 ; os_name == "nt"\nidna==3.6\n',
      ),
    );
    expect(set.pins.map((p) => [p.project, p.version, p.extras, p.marker ?? null])).toEqual([
      ['requests', '2.31.0', ['socks'], null],
      ['numpy', '1.26.4', [], "python_version < '3.9'"],
      ['numpy', '2.0.0', [], "python_version >= '3.9'"],
      ['idna', '3.6', [], null],
    ]);
  });

  it('refuses conflicting pins at the later line', () => {
    expect(errorOf(() => collectPins(at('idna==3.6\n\nIDNA==3.5\n')))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:3:1' });
    expect(errorOf(() => collectPins(at('idna==3.6 ; os_name == "nt"\nidna==3.5\n')))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:2:1' });
    expect(errorOf(() => collectPins(at(`idna==3.6 --hash=sha256:${H1}\nidna==3.6 --hash=sha256:${H2}\n`)))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:2:1' });
  });

  it('turns hash-checking on once any requirement has a hash, as pip does', () => {
    expect(errorOf(() => collectPins(at(`idna==3.6 --hash=sha256:${H1}\nrequests==2.31.0\n`)))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:2:1' });
    expect(errorOf(() => collectPins(at('--require-hashes\nidna==3.6\n')))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:2:1' });
    expect(collectPins(at(`idna==3.6 --hash=sha256:${H1}\n`)).hashChecking).toBe(true);
  });

  it('checks pins against unconditional constraints', () => {
    const constraints = parseRequirements('requests<2.30\nidna<3 ; python_version < "3"\n', 'c.txt', { constraints: true }).entries;
    expect(errorOf(() => collectPins([...at('idna==3.6\nrequests==2.31.0\n'), ...constraints]))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:2:1' });
    expect(collectPins([...at('idna==3.6\nrequests==2.29.0\n'), ...constraints]).pins).toHaveLength(2);
  });

  it('settles the index options: one primary, extras de-duplicated in order', () => {
    const set = collectPins(
      at(
        '-i https://a.example/simple\n--extra-index-url https://b.example/simple\n--index-url https://a.example/simple\n--extra-index-url https://b.example/simple\nidna==3.6\n',
      ),
    );
    expect([set.indexUrl?.url, set.extraIndexUrls.map((e) => e.url)]).toEqual(['https://a.example/simple', ['https://b.example/simple']]);
    expect(errorOf(() => collectPins(at('-i https://a.example/simple\n-i https://c.example/simple\n')))).toEqual({ code: 'REQUIREMENTS', at: 'r.txt:2:1' });
  });
});

describe('readRequirementsFiles: includes relative to the including file', () => {
  it('follows -r and -c from a subdirectory, in reading order', async () => {
    const ws = tempDir();
    try {
      ws.file('top.txt', '-r sub/mid.txt\nidna==3.6\n');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(`${ws.dir}/sub`);
      ws.file('sub/mid.txt', '-r leaf.txt\n-c ../c.txt\nrequests==2.31.0\n');
      ws.file('sub/leaf.txt', 'certifi==2024.2.2\n');
      ws.file('c.txt', 'idna<4\n');
      const input = await readRequirementsFiles([`${ws.dir}/top.txt`]);
      expect(input.files.map((f) => f.slice(ws.dir.length + 1))).toEqual(['top.txt', 'sub/mid.txt', 'sub/leaf.txt', 'c.txt']);
      expect(input.entries.map((e) => (e.kind === 'pin' ? e.pin.project : e.kind))).toEqual(['certifi', 'constraint', 'requests', 'idna']);
    } finally {
      ws.cleanup();
    }
  });

  it('refuses a cycle at the including line, and a missing top-level file', async () => {
    const ws = tempDir();
    try {
      ws.file('a.txt', 'idna==3.6\n-r b.txt\n');
      ws.file('b.txt', '\n\n-r a.txt\n');
      await expect(readRequirementsFiles([`${ws.dir}/a.txt`])).rejects.toMatchObject({ code: 'REQUIREMENTS', file: `${ws.dir}/b.txt`, line: 3 });
      await expect(readRequirementsFiles([`${ws.dir}/none.txt`])).rejects.toMatchObject({ code: 'REQUIREMENTS', file: `${ws.dir}/none.txt` });
      ws.file('bad.txt', Buffer.from([0x69, 0x64, 0xff, 0x0a]) as unknown as string);
      await expect(readRequirementsFiles([`${ws.dir}/bad.txt`])).rejects.toMatchObject({ code: 'REQUIREMENTS' });
      ws.file('url.txt', '-r https://x.example/r.txt\n');
      await expect(readRequirementsFiles([`${ws.dir}/url.txt`])).rejects.toMatchObject({ code: 'REQUIREMENTS', line: 1 });
    } finally {
      ws.cleanup();
    }
  });
});
