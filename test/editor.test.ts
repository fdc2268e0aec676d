import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { applyIdentityEdits, spliceSpans, type IdentityEdit } from '../src/core/editor.js';
import { scanLock, type LockDocument } from '../src/core/lock-layout.js';
import { parseLock } from '../src/core/lockfile.js';

/** Where each `[[packages]]` entry is, from the scan reading does: its header's line and the span from its header to its last statement. */
function locatePackages(text: string): Array<{ position: number; line: number; start: number; end: number }> {
  return scanLock(text, undefined).layout.packages.map((p) => ({ position: p.position, line: p.header.line, start: p.header.start, end: p.last.next }));
}
import type { Identity } from '../src/core/types.js';
import { isPylockAttestError } from '../src/errors.js';
import { checkWithPackagingPylock, PylockOracle } from './support/pylock-oracle.ts';

const LOCKS = resolve(import.meta.dirname, '../../shared/interop/lockfiles');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/editor');

function lockfile(name: string): string {
  return readFileSync(join(LOCKS, name), 'utf8');
}

function haveLock(name: string): boolean {
  return existsSync(join(LOCKS, name));
}

/** Every edit's input and output go to Python's packaging.pylock too (end of file). */
const oracle = new PylockOracle();

function edit(text: string, edits: IdentityEdit[], file?: string) {
  const result = applyIdentityEdits(text, edits, file);
  oracle.texts(expect.getState().currentTestName ?? 'edit', text, result.text);
  return result;
}

/** `text` with `insertion` right after the one occurrence of `anchor` (which must be unique). */
function insertAfter(text: string, anchor: string, insertion: string): string {
  const at = text.indexOf(anchor);
  expect(at, `anchor not found: ${anchor}`).toBeGreaterThanOrEqual(0);
  expect(text.indexOf(anchor, at + 1), `anchor not unique: ${anchor}`).toBe(-1);
  return text.slice(0, at + anchor.length) + insertion + text.slice(at + anchor.length);
}

function replaceOnce(text: string, from: string, to: string): string {
  return insertAfter(text, from, '').replace(from, () => to);
}

function errorOf(f: () => unknown): { code: string; line?: number; column?: number } | string {
  try {
    f();
  } catch (e) {
    if (!isPylockAttestError(e)) return `not ours: ${String(e)}`;
    return e.line === undefined ? { code: e.code } : { code: e.code, line: e.line, column: e.column as number };
  }
  return 'no error';
}

const GH: Identity = { kind: 'GitHub', repository: 'o/r', workflow: 'release.yml' };
const GL: Identity = { kind: 'GitLab', repository: 'g/p', workflow_filepath: '.gitlab-ci.yml', environment: 'release' };
const GOOGLE: Identity = { kind: 'Google', email: 'svc@example.iam.gserviceaccount.com' };

const GH_BLOCK = '[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "o/r"\nworkflow = "release.yml"\n';
const GL_BLOCK = '[[packages.attestation-identities]]\nkind = "GitLab"\nrepository = "g/p"\nworkflow_filepath = ".gitlab-ci.yml"\nenvironment = "release"\n';

function indented(block: string, indent: string): string {
  return block.replace(/^(?=.)/gm, indent);
}

describe.skipIf(!haveLock('spec-example.pylock.toml'))(
  `the PEP 751 spec example (${join(LOCKS, 'spec-example.pylock.toml')}${haveLock('spec-example.pylock.toml') ? '' : ' is missing: skipped'})`,
  () => {
    const spec = haveLock('spec-example.pylock.toml') ? lockfile('spec-example.pylock.toml') : '';
    const ATTRS_BLOCK =
      "    [[packages.attestation-identities]]\n    environment = 'release-pypi'\n    kind = 'GitHub'\n    repository = 'python-attrs/attrs'\n    workflow = 'pypi-package.yml'\n";
    const CATTRS_LAST = "    hashes = {sha256 = '67c7495b760168d931a10233f979b28dc04daf853b30752246f4f8471c6d68d0'}\n";
    const NUMPY_LAST = "    hashes = {sha256 = '3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe'}\n";

    it('inserts indented blocks after each package’s wheels, before [[packages]] and [tool.mousebender]', () => {
      const result = edit(spec, [
        { position: 1, identities: [GH] },
        { position: 2, identities: [GL, GOOGLE] },
      ]);
      let expected = insertAfter(spec, CATTRS_LAST, `\n${indented(GH_BLOCK, '    ')}`);
      expected = insertAfter(
        expected,
        NUMPY_LAST,
        `\n${indented(GL_BLOCK, '    ')}\n    [[packages.attestation-identities]]\n    kind = "Google"\n    email = "svc@example.iam.gserviceaccount.com"\n`,
      );
      expect(result).toEqual({ text: expected, changed: true });
      expect(
        result.text.endsWith(
          "\n\n[tool.mousebender]\ncommand = ['.', 'lock', '--platform', 'cpython3.12-windows-x64', '--platform', 'cpython3.12-manylinux2014-x64', 'cattrs', 'numpy']\nrun-on = 2025-03-06T12:28:57.760769\n",
        ),
      ).toBe(true);
    });

    it('leaves the file alone when the recorded identity is the same (key order aside)', () => {
      const same: Identity = { kind: 'GitHub', repository: 'python-attrs/attrs', workflow: 'pypi-package.yml', environment: 'release-pypi' };
      expect(edit(spec, [{ position: 0, identities: [same] }])).toEqual({ text: spec, changed: false });
    });

    it('replaces the existing block in place, keeping its indentation', () => {
      const result = edit(spec, [{ position: 0, identities: [GH, GOOGLE] }]);
      const expected = replaceOnce(
        spec,
        ATTRS_BLOCK,
        `${indented(GH_BLOCK, '    ')}\n    [[packages.attestation-identities]]\n    kind = "Google"\n    email = "svc@example.iam.gserviceaccount.com"\n`,
      );
      expect(result.text).toBe(expected);
    });

    it('removes the existing block and the blank line leading to it', () => {
      const result = edit(spec, [{ position: 0, identities: [] }]);
      expect(result.text).toBe(replaceOnce(spec, `\n${ATTRS_BLOCK}`, ''));
    });

    it('writes CRLF into a CRLF file', () => {
      const crlf = spec.replaceAll('\n', '\r\n');
      const result = edit(crlf, [{ position: 1, identities: [GH] }]);
      const expected = insertAfter(spec, CATTRS_LAST, `\n${indented(GH_BLOCK, '    ')}`).replaceAll('\n', '\r\n');
      expect(result.text).toBe(expected);
    });

    it('lists each [[packages]] entry with its line and span', () => {
      const locations = locatePackages(spec);
      expect(locations.map(({ position, line }) => ({ position, line }))).toEqual([
        { position: 0, line: 6 },
        { position: 1, line: 24 },
        { position: 2, line: 39 },
      ]);
      for (const loc of locations) expect(spec.slice(loc.start, loc.start + 12)).toBe('[[packages]]');
      expect(spec.slice(locations[2]!.end - NUMPY_LAST.length, locations[2]!.end)).toBe(NUMPY_LAST);
    });
  },
);

describe.skipIf(!haveLock('uv-export.pylock.toml'))(
  `uv export (${join(LOCKS, 'uv-export.pylock.toml')}${haveLock('uv-export.pylock.toml') ? '' : ' is missing: skipped'})`,
  () => {
    const uv = haveLock('uv-export.pylock.toml') ? lockfile('uv-export.pylock.toml') : '';
    const ANYIO_WHEELS = 'hashes = { sha256 = "eddca883c4175f14df8aedce21054bfca3adb70ffe76a9f607aef9d7fa2ea7f0" } }]\n';
    const PROJECT_DIR = 'directory = { path = ".", editable = true }\n';

    it('inserts unindented blocks after inline sdist/wheels, for a directory package, and at the end', () => {
      const result = edit(uv, [
        { position: 0, identities: [GH] },
        { position: 2, identities: [GOOGLE] },
        { position: 3, identities: [GL] },
      ]);
      let expected = insertAfter(uv, ANYIO_WHEELS, `\n${GH_BLOCK}`);
      expected = insertAfter(expected, PROJECT_DIR, '\n[[packages.attestation-identities]]\nkind = "Google"\nemail = "svc@example.iam.gserviceaccount.com"\n');
      expected += `\n${GL_BLOCK}`;
      expect(result).toEqual({ text: expected, changed: true });
    });

    it('keeps the inline identities form when a user chose it', () => {
      const withInline = insertAfter(uv, PROJECT_DIR, 'attestation-identities = [{ kind = "GitHub", repository = "me/project" }] # mine\n');
      const result = edit(withInline, [{ position: 2, identities: [GH, GOOGLE] }]);
      expect(result.text).toBe(
        replaceOnce(
          withInline,
          '[{ kind = "GitHub", repository = "me/project" }]',
          '[{ kind = "GitHub", repository = "o/r", workflow = "release.yml" }, { kind = "Google", email = "svc@example.iam.gserviceaccount.com" }]',
        ),
      );
      expect(edit(result.text, [{ position: 2, identities: [GOOGLE, GH] }])).toEqual({ text: result.text, changed: false });
      expect(edit(withInline, [{ position: 2, identities: [] }]).text).toBe(uv);
    });
  },
);

describe.skipIf(!haveLock('pip-lock.pylock.toml'))(
  `pip lock (${join(LOCKS, 'pip-lock.pylock.toml')}${haveLock('pip-lock.pylock.toml') ? '' : ' is missing: skipped'})`,
  () => {
    const pip = haveLock('pip-lock.pylock.toml') ? lockfile('pip-lock.pylock.toml') : '';
    const BUILD_HASH = 'sha256 = "13f3eecb844759ab66efec90ca17639bbf14dc06cb2fdf37a9010322d9c50a6f"\n';

    it('inserts after the [packages.wheels.hashes] sub-table, and at the end of the file', () => {
      const result = edit(pip, [
        { position: 0, identities: [GH] },
        { position: 3, identities: [GL] },
      ]);
      const expected = `${insertAfter(pip, BUILD_HASH, `\n${GH_BLOCK}`)}\n${GL_BLOCK}`;
      expect(result).toEqual({ text: expected, changed: true });
      expect(
        edit(result.text, [
          { position: 0, identities: [GH] },
          { position: 3, identities: [GL] },
        ]),
      ).toEqual({
        text: result.text,
        changed: false,
      });
    });

    it('gets back the original bytes when the identities are removed again', () => {
      const added = edit(
        pip,
        [0, 1, 2, 3].map((i) => ({ position: i, identities: [GH, GL] })),
      ).text;
      expect(
        edit(
          added,
          [0, 1, 2, 3].map((i) => ({ position: i, identities: [] })),
        ),
      ).toEqual({ text: pip, changed: true });
    });
  },
);

describe('fixtures/editor/comments-everywhere', () => {
  const input = readFileSync(join(FIXTURES, 'comments-everywhere.pylock.toml'), 'utf8');
  const expected = readFileSync(join(FIXTURES, 'comments-everywhere.expected.toml'), 'utf8');
  const edits = [0, 1, 2].map((i) => ({ position: i, identities: [{ kind: 'GitHub', repository: `o/p${i}`, workflow: 'release.yml' }] }));

  it('is not fooled by comments and strings that look like headers, and keeps [packages.tool] last', () => {
    expect(edit(input, edits)).toEqual({ text: expected, changed: true });
  });

  it('gives identical bytes when run again', () => {
    expect(edit(expected, edits)).toEqual({ text: expected, changed: false });
  });
});

describe('where new blocks go', () => {
  it('goes before [packages.tool.*], leaving the comments that lead to it attached to it', () => {
    const text = '[[packages]]\nname = "a"\n[[packages.wheels]]\nurl = "u"\n\n# about the tool\n[packages.tool.x]\nk = 1\n';
    expect(edit(text, [{ position: 0, identities: [GH] }]).text).toBe(
      `[[packages]]\nname = "a"\n[[packages.wheels]]\nurl = "u"\n\n${GH_BLOCK}\n# about the tool\n[packages.tool.x]\nk = 1\n`,
    );
  });

  it('goes after all of the package’s sub-tables, even ones that follow its tool table', () => {
    const text = '[[packages]]\nname = "a"\n[packages.tool]\nx = 1\n[packages.vcs]\ntype = "git"\n[[packages]]\nname = "b"\n';
    expect(edit(text, [{ position: 0, identities: [GH] }]).text).toBe(
      `[[packages]]\nname = "a"\n[packages.tool]\nx = 1\n[packages.vcs]\ntype = "git"\n\n${GH_BLOCK}[[packages]]\nname = "b"\n`,
    );
  });

  it('follows a package whose sub-tables come back after an unrelated table', () => {
    const text = '[[packages]]\nname = "a"\n[tool.x]\ny = 1\n[[packages.wheels]]\nurl = "u"\n';
    const result = edit(text, [{ position: 0, identities: [GH] }]);
    expect(result.text).toBe(`${text}\n${GH_BLOCK}`);
  });

  it('goes right after a package that is only a header', () => {
    const text = '[[packages]]\n[[packages]]\nname = "b"\n';
    expect(edit(text, [{ position: 0, identities: [GH] }]).text).toBe(`[[packages]]\n\n${GH_BLOCK}[[packages]]\nname = "b"\n`);
  });

  it('adds the missing final newline before inserting at the end', () => {
    const text = 'lock-version = "1.0"\r\n[[packages]]\r\nname = "a"';
    expect(edit(text, [{ position: 0, identities: [GH] }]).text).toBe(`${text}\r\n\r\n${GH_BLOCK.replaceAll('\n', '\r\n')}`);
  });

  it('keeps a mixed file mixed: the block takes its region’s line ending, nothing else changes', () => {
    const text = 'lock-version = "1.0"\n\n[[packages]]\nname = "a"\n\n[[packages]]\r\nname = "b"\r\n\r\n[[packages]]\nname = "c"\n';
    const result = edit(
      text,
      [0, 1, 2].map((i) => ({ position: i, identities: [GH] })),
    );
    const crlf = GH_BLOCK.replaceAll('\n', '\r\n');
    expect(result.text).toBe(
      `lock-version = "1.0"\n\n[[packages]]\nname = "a"\n\n${GH_BLOCK}\n[[packages]]\r\nname = "b"\r\n\r\n${crlf}\r\n[[packages]]\nname = "c"\n\n${GH_BLOCK}`,
    );
  });

  it('uses the file’s sub-table indentation for a package that has no sub-tables', () => {
    const text = '[[packages]]\nname = "a"\n\n  [[packages.wheels]]\n  url = "u"\n\n[[packages]]\nname = "b"\n';
    expect(edit(text, [{ position: 1, identities: [GH] }]).text).toBe(`${text}\n${indented(GH_BLOCK, '  ')}`);
  });

  it('keeps the package’s own keys together: dotted tool keys in the body stay in the body', () => {
    const text = '[[packages]]\nname = "a"\ntool.x = 1\n';
    const result = edit(text, [{ position: 0, identities: [GH] }]);
    expect(result.text).toBe(`${text}\n${GH_BLOCK}`);
    expect(parse(result.text)).toEqual({ packages: [{ name: 'a', tool: { x: 1 }, 'attestation-identities': [GH] }] });
  });
});

describe('replacing identities already recorded', () => {
  const base =
    '[[packages]]\nname = "a"\n\n[[packages.attestation-identities]]\nkind = "Old"\n# between\n\n[[packages.attestation-identities]]\nkind = "Older"\n\n[packages.tool.x]\nk = 1\n';

  it('replaces all blocks with the new set at the first block’s place, keeping the user’s comment', () => {
    expect(edit(base, [{ position: 0, identities: [GH, GL] }]).text).toBe(
      `[[packages]]\nname = "a"\n\n${GH_BLOCK}\n${GL_BLOCK}# between\n\n[packages.tool.x]\nk = 1\n`,
    );
  });

  it('removes every block when the new set is empty: only their lines and the blank line above each header', () => {
    expect(edit(base, [{ position: 0, identities: [] }]).text).toBe('[[packages]]\nname = "a"\n# between\n\n[packages.tool.x]\nk = 1\n');
  });

  it('keeps comments in every position when the blocks go: above, on and between keys, after, between blocks, after a sub-table', () => {
    const text = [
      '[[packages]]',
      'name = "a"',
      'version = "1.0"',
      '',
      '# NOTE: pinned after the 2025 audit',
      '[[packages.attestation-identities]]  # from CI',
      '# between keys',
      'kind = "GitHub"',
      'repository = "o/r"  # trailing',
      'workflow = "release.yml"',
      '# after the last key',
      '',
      '# between the two tables',
      '',
      '    [[packages.attestation-identities]]',
      '    kind = "GitLab"',
      '    [packages.attestation-identities.extra]',
      '    note = "x"',
      '    # after a sub-table',
      '',
      '[[packages]]',
      'name = "b"',
    ].join('\n');
    const kept = [
      '[[packages]]',
      'name = "a"',
      'version = "1.0"',
      '',
      '# NOTE: pinned after the 2025 audit',
      '# between keys',
      '# after the last key',
      '',
      '# between the two tables',
      '    # after a sub-table',
      '',
      '[[packages]]',
      'name = "b"',
    ];
    expect(edit(text, [{ position: 0, identities: [] }]).text).toBe(kept.join('\n'));
    // Replaced: the new block takes the first header's line; the comments stay after it.
    const [head, ...rest] = kept.join('\n').split('# NOTE: pinned after the 2025 audit\n');
    expect(edit(text, [{ position: 0, identities: [GOOGLE] }]).text).toBe(
      `${head}# NOTE: pinned after the 2025 audit\n[[packages.attestation-identities]]\nkind = "Google"\nemail = "svc@example.iam.gserviceaccount.com"\n${rest.join('')}`,
    );
  });

  it('removes sub-tables under a block, and blocks separated by other tables', () => {
    const text =
      '[[packages]]\nname = "a"\n[[packages.attestation-identities]]\nkind = "Old"\n[packages.attestation-identities.extra]\nz = 1\n' +
      '[[packages.wheels]]\nurl = "u"\n[[packages.attestation-identities]]\nkind = "Older"\n';
    const result = edit(text, [{ position: 0, identities: [GH] }]);
    expect(result.text).toBe(`[[packages]]\nname = "a"\n${GH_BLOCK}[[packages.wheels]]\nurl = "u"\n`);
  });

  it('does nothing when the set is the same, whatever the block and key order', () => {
    const text =
      "[[packages]]\nname = \"a\"\n[[packages.attestation-identities]]\nworkflow = 'release.yml'\nrepository = 'o/r'\nkind = 'GitHub'\n\n" +
      '    [[packages.attestation-identities]]  # gitlab\n    kind = "GitLab"\n    workflow_filepath = ".gitlab-ci.yml"\n    repository = "g/p"\n    environment = "release"\n';
    expect(edit(text, [{ position: 0, identities: [GL, GH] }])).toEqual({ text, changed: false });
    expect(edit(text, [{ position: 0, identities: [GL, GH, GH] }]).changed).toBe(true);
    expect(edit(text, [{ position: 0, identities: [GL] }]).changed).toBe(true);
  });

  it('tells 1 from "1" and true from "true" when comparing', () => {
    const text = '[[packages]]\n[[packages.attestation-identities]]\nkind = "K"\nn = 1\nb = true\n';
    expect(edit(text, [{ position: 0, identities: [{ kind: 'K', n: 1, b: true }] }]).changed).toBe(false);
    expect(edit(text, [{ position: 0, identities: [{ kind: 'K', n: '1', b: true }] }]).changed).toBe(true);
    expect(edit(text, [{ position: 0, identities: [{ kind: 'K', n: 1, b: 'true' }] }]).changed).toBe(true);
  });

  it('replaces a multi-line inline array one element per line, under the key’s indentation', () => {
    const text = '[[packages]]\nname = "a"\n  attestation-identities = [\n    { kind = "Old" }, # old\n  ]\nversion = "1"\n';
    expect(edit(text, [{ position: 0, identities: [GH, GOOGLE] }]).text).toBe(
      '[[packages]]\nname = "a"\n  attestation-identities = [\n' +
        '      { kind = "GitHub", repository = "o/r", workflow = "release.yml" },\n' +
        '      { kind = "Google", email = "svc@example.iam.gserviceaccount.com" },\n  ]\nversion = "1"\n',
    );
  });

  it('removes an inline array with its line', () => {
    const text = '[[packages]]\nname = "a"\nattestation-identities = [{ kind = "Old" }]  # c\nversion = "1"';
    expect(edit(text, [{ position: 0, identities: [] }]).text).toBe('[[packages]]\nname = "a"\nversion = "1"');
  });

  it('edits only the packages asked for', () => {
    const text = '[[packages]]\nname = "a"\n[[packages.attestation-identities]]\nkind = "Old"\n[[packages]]\nname = "b"\n';
    expect(edit(text, [{ position: 1, identities: [GH] }]).text).toBe(`${text}\n${GH_BLOCK}`);
  });
});

describe('hostile identity values', () => {
  const hostile: Identity[] = [
    {
      kind: 'GitHub"\n[[packages]]\nname = "evil',
      repository: 'o/r\'\'\'"""\\',
      workflow: ']]\n[tool.x]\n# not a comment',
      environment: '\u0000\u0001\u0008\u0009\u000a\u000b\u000c\u000d\u001b\u001f\u007f',
      nonbmp: '😀𝄞 \u2028\u2029 é',
    },
    { kind: 'Big', blob: `${'x\\"#]]\n'.repeat(12_500)}` },
    { kind: 'Keys', 'a.b': 1, 'c d': true, '"q"': -0.5, '': 'empty key', ключ: 'value' },
    // Own keys named like Object.prototype members, as JSON from an index can carry them.
    JSON.parse('{"kind": "Proto", "__proto__": "p", "constructor": "c", "toString": 1}') as Identity,
  ];

  it('round-trips exactly through smol-toml, without adding a single line per value', () => {
    const text = '[[packages]]\nname = "a"\n';
    const result = edit(text, [{ position: 0, identities: hostile }]);
    expect(parse(result.text)).toEqual({ packages: [{ name: 'a', 'attestation-identities': hostile }] });
    const lines = result.text.split('\n').length;
    const keys = hostile.reduce((n, id) => n + Object.keys(id).length, 0);
    expect(lines).toBe(3 + hostile.length * 2 + keys);
    expect(edit(result.text, [{ position: 0, identities: hostile }])).toEqual({ text: result.text, changed: false });
  });

  it('round-trips through the inline form too', () => {
    const text = '[[packages]]\nattestation-identities = []\n';
    const result = edit(text, [{ position: 0, identities: hostile }]);
    expect(parse(result.text)).toEqual({ packages: [{ 'attestation-identities': hostile }] });
    expect(result.text.split('\n')).toHaveLength(3);
  });

  it('refuses what TOML cannot carry, before writing anything', () => {
    const text = '[[packages]]\n';
    expect(() => edit(text, [{ position: 0, identities: [{ kind: 'x', n: NaN }] }])).toThrow(RangeError);
    expect(() => edit(text, [{ position: 0, identities: [{ kind: '\ud800' }] }])).toThrow(RangeError);
  });
});

describe('shapes we refuse (LOCK_SHAPE)', () => {
  const cases: Array<[string, string, number]> = [
    ['packages written inline', 'lock-version = "1.0"\npackages = [{ name = "a" }]\n', 2],
    ['packages written inline over several lines', 'packages = [\n  { name = "a" },\n]\n[tool.x]\ny = 1\n', 1],
    ['identities as a table', '[[packages]]\nname = "a"\n[packages.attestation-identities]\nkind = "x"\n', 3],
    ['identities as a table under a block-less package', '[[packages]]\nname = "a"\n[packages.attestation-identities.x]\nkind = "x"\n', 3],
    ['identities as dotted keys', '[[packages]]\nname = "a"\nattestation-identities.kind = "x"\n', 3],
  ];
  for (const [what, text, line] of cases) {
    it(`refuses ${what}, naming the line`, () => {
      expect(errorOf(() => edit(text, [{ position: 0, identities: [GH] }], 'pylock.toml'))).toEqual({ code: 'LOCK_SHAPE', line, column: 1 });
    });
  }

  // Only reachable when `original` is not the parse of `text`: a `packages` that is a table has no index to edit.
  it('treats edits for a `packages` that is not an array as a caller bug', () => {
    for (const text of ['[packages]\nname = "a"\n', 'packages.x = 1\n', '[packages.x]\ny = 1\n']) {
      expect(() => edit(text, [{ position: 0, identities: [GH] }])).toThrow(RangeError);
    }
  });

  it('does not refuse when nothing needs writing', () => {
    const text = 'packages = [{ name = "a" }]\n';
    expect(edit(text, [{ position: 0, identities: [] }])).toEqual({ text, changed: false });
  });

  it('names the file and gives a hint', () => {
    try {
      edit('packages = [{ name = "a" }]\n', [{ position: 0, identities: [GH] }], 'sub/pylock.toml');
      expect.unreachable();
    } catch (e) {
      expect(isPylockAttestError(e) && e.describe()).toMatch(/^sub\/pylock\.toml:1:1: .*\n {2}hint: /);
    }
  });
});

describe('the bug guard (EDIT_MISMATCH)', () => {
  /** The first package's span of `text` (header line to just before the next package), replaced: a splicing bug's output. */
  function spliced(text: string, replacement: string, identities: Identity[]): string {
    const end = text.indexOf('[[packages]]', 1);
    return spliceSpans(text, [{ start: 0, end: end < 0 ? text.length : end, replacement, identities }]);
  }

  it('refuses to return text that does not read back as the original data plus the identities', () => {
    const text = '[[packages]]\nname = "a"\n';
    // A replacement that renamed the package stands in for a splicing bug.
    expect(errorOf(() => spliced(text, `[[packages]]\nname = "b"\n\n${GH_BLOCK}`, [GH]))).toEqual({ code: 'EDIT_MISMATCH' });
    expect(spliced(text, `[[packages]]\nname = "a"\n\n${GH_BLOCK}`, [GH])).toBe(`${text}\n${GH_BLOCK}`);
  });

  it('tells dates apart by instant and by kind (offset, local date-time, local date, local time)', () => {
    const text = '[[packages]]\nname = "a"\nt = 2025-01-25T11:30:10.164985+01:00\nd = 1979-05-27\nlt = 07:32:00\n[[packages]]\nname = "b"\n';
    const edits = [{ position: 0, identities: [GH] }];
    const good = edit(text, edits);
    expect(good.changed).toBe(true);
    const replacement = good.text.slice(0, good.text.indexOf('[[packages]]', 1));
    expect(spliced(text, replacement, [GH])).toBe(good.text);
    const variants = [
      ['+01:00', '+02:00'],
      ['+01:00', ''],
      ['1979-05-27', '1979-05-27T00:00:00'],
      ['1979-05-27', '1979-05-27T00:00:00Z'],
      ['07:32:00', '1970-01-01T07:32:00'],
    ];
    for (const [from, to] of variants) {
      // A replacement that changed a date it should not touch stands in for a splicing bug.
      expect(
        errorOf(() => spliced(text, replacement.replace(from!, to!), [GH])),
        `${from} -> ${to}`,
      ).toEqual({ code: 'EDIT_MISMATCH' });
    }
  });

  it('catches -0 turning into 0', () => {
    const text = '[[packages]]\nname = "a"\nz = -0.0\n';
    expect(errorOf(() => spliced(text, `[[packages]]\nname = "a"\nz = 0.0\n\n${GH_BLOCK}`, [GH]))).toEqual({ code: 'EDIT_MISMATCH' });
  });

  it('refuses a replacement that is more than its package, or that runs into the text after it', () => {
    const text = '[[packages]]\nname = "a"\n[[packages]]\nname = "b"\n';
    const own = `[[packages]]\nname = "a"\n\n${GH_BLOCK}`;
    expect(spliced(text, own, [GH])).toBe(`${own}[[packages]]\nname = "b"\n`);
    for (const replacement of [`${own}[[packages]]\nname = "c"\n`, `${own}[tool.x]\ny = 1\n`, own.slice(0, -1), `${own}z = """`]) {
      expect(
        errorOf(() => spliced(text, replacement, [GH])),
        replacement,
      ).toEqual({ code: 'EDIT_MISMATCH' });
    }
  });
});

describe('a span the scanner drew wrong is caught by the parser (the per-package check is not the scanner checking itself)', () => {
  const text = `lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1.0"\nsdist = { name = "a-1.0.tar.gz", url = "u", hashes = { sha256 = "${'a'.repeat(64)}" } }\n[[packages]]\nname = "b"\n`;

  /** The document parseLock would give, with package 0's span (and where new blocks go) cut back to its header: a scanner bug. */
  function damaged(): LockDocument {
    const document = parseLock(text, 'pylock.toml').document;
    const pkg = document.layout.packages[0]!;
    pkg.last = pkg.header;
    pkg.lastOwn = pkg.header;
    return document;
  }

  it('a span cut short never moves the keys after it into the identities: refused, nothing returned', () => {
    expect(errorOf(() => applyIdentityEdits(damaged(), [{ position: 0, identities: [GH] }], 'pylock.toml'))).toEqual({ code: 'EDIT_MISMATCH' });
  });

  it('with only the span wrong, the whole-document check decides, and the result is the right one', () => {
    const document = parseLock(text, 'pylock.toml').document;
    const right = applyIdentityEdits(document, [{ position: 0, identities: [GH] }], 'pylock.toml');
    const shortSpan = parseLock(text, 'pylock.toml').document;
    shortSpan.layout.packages[0]!.last = shortSpan.layout.packages[0]!.header;
    expect(applyIdentityEdits(shortSpan, [{ position: 0, identities: [GH] }], 'pylock.toml')).toEqual(right);
    const data = parse(right.text) as { packages: Array<Record<string, unknown>> };
    expect(data.packages[0]).toMatchObject({ name: 'a', version: '1.0', 'attestation-identities': [{ repository: GH.repository }] });
  });
});

describe('edits that make no sense', () => {
  const text = '[[packages]]\nname = "a"\n';
  it('throws RangeError for an index with no package, or two edits for one package', () => {
    expect(() => edit(text, [{ position: 1, identities: [] }])).toThrow(RangeError);
    expect(() => edit(text, [{ position: -1, identities: [] }])).toThrow(RangeError);
    expect(() => edit(text, [{ position: 0.5, identities: [] }])).toThrow(RangeError);
    expect(() =>
      edit(text, [
        { position: 0, identities: [GH] },
        { position: 0, identities: [] },
      ]),
    ).toThrow(RangeError);
  });

  it('returns the text unchanged for no edits', () => {
    expect(edit(text, [])).toEqual({ text, changed: false });
  });
});

describe('the layout of [[packages]] entries', () => {
  it('lists [[packages]] entries with 1-based header lines and spans up to their last statement', () => {
    const text = 'a = 1\n\n[[packages]]\nname = "x"\n[packages.tool]\nk = 1\n# c\n\n  [[packages]]\nname = "y"';
    expect(locatePackages(text)).toEqual([
      { position: 0, line: 3, start: text.indexOf('[[packages]]'), end: text.indexOf('# c') },
      { position: 1, line: 9, start: text.lastIndexOf('[[packages]]'), end: text.length },
    ]);
  });

  it('lists nothing for packages written inline', () => {
    expect(locatePackages('packages = [{ name = "a" }]\n')).toEqual([]);
  });
});

const python = spawnSync('python3', ['-c', 'import tomllib'], { encoding: 'utf8' });
const havePython = python.status === 0;

describe.skipIf(!havePython)(`Python's tomllib reads what we write${havePython ? '' : ' (skipped: python3 with tomllib not found)'}`, () => {
  it('loads the edited file and finds the expected identities', () => {
    const text = readFileSync(join(FIXTURES, 'comments-everywhere.pylock.toml'), 'utf8').replaceAll('\n', '\r\n');
    const identities: Identity[] = [GH, { kind: 'Odd', s: 'q"\\\n\t\u0000\u007f😀]]#', i: -7, f: 0.1, b: false, 'a.b': 'dotted', '': 'empty' }];
    const result = edit(text, [
      { position: 0, identities },
      { position: 2, identities: [GL] },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'pylock-attest-editor-'));
    try {
      const file = join(dir, 'pylock.toml');
      writeFileSync(file, result.text, 'utf8');
      const script = [
        'import json, sys, tomllib',
        'with open(sys.argv[1], "rb") as f: doc = tomllib.load(f)',
        'print(json.dumps([p.get("attestation-identities") for p in doc["packages"]]))',
      ].join('\n');
      const run = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual([identities, null, [GL]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

checkWithPackagingPylock(oracle);
