import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { normalizeVersion, selectFiles, versionOf, type IndexFile } from '../src/core/lock-selection.js';
import { renderLock, sameLockContent, utcUploadTime, type LockPackage } from '../src/core/lock-writer.js';
import { parseLock } from '../src/core/lockfile.js';
import type { Pin } from '../src/core/requirements.js';
import { PylockAttestError } from '../src/errors.js';

const sha = (c: string) => c.repeat(64);

const IDNA: LockPackage = {
  name: 'idna',
  version: '3.6',
  index: 'https://pypi.org/simple',
  sdist: {
    filename: 'idna-3.6.tar.gz',
    url: 'https://files.example/idna-3.6.tar.gz',
    sha256: sha('b'),
    size: 175426,
    uploadTime: '2023-11-25T15:40:54.123456Z',
  },
  wheels: [{ filename: 'idna-3.6-py3-none-any.whl', url: 'https://files.example/idna-3.6-py3-none-any.whl', sha256: sha('a') }],
};

describe('renderLock', () => {
  it('writes PEP 751 in the spec key order, TOML 1.0, one wheel per line', () => {
    expect(renderLock({ requiresPython: '>=3.9', packages: [IDNA] })).toBe(
      [
        'lock-version = "1.0"',
        'requires-python = ">=3.9"',
        'created-by = "pylock-attest"',
        '',
        '[[packages]]',
        'name = "idna"',
        'version = "3.6"',
        'index = "https://pypi.org/simple"',
        `sdist = { upload-time = 2023-11-25T15:40:54.123456Z, url = "https://files.example/idna-3.6.tar.gz", size = 175426, hashes = { sha256 = "${sha('b')}" } }`,
        'wheels = [',
        `    { url = "https://files.example/idna-3.6-py3-none-any.whl", hashes = { sha256 = "${sha('a')}" } },`,
        ']',
        '',
      ].join('\n'),
    );
  });

  it('is deterministic: the same packages in any order give the same bytes', () => {
    const packages: LockPackage[] = [
      IDNA,
      {
        ...IDNA,
        name: 'numpy',
        version: '2.0.0',
        marker: "python_version >= '3.9'",
        sdist: undefined,
        wheels: [IDNA.wheels[0]!, { ...IDNA.wheels[0]!, filename: 'a.whl', url: 'https://files.example/a.whl' }],
      },
      { ...IDNA, name: 'numpy', version: '1.26.4', marker: "python_version < '3.9'" },
      { ...IDNA, name: 'attrs' },
    ];
    const once = renderLock({ packages });
    fc.assert(fc.property(fc.shuffledSubarray(packages, { minLength: packages.length }), (shuffled) => renderLock({ packages: shuffled }) === once));
    expect((parse(once) as { packages: Array<{ name: string; version: string }> }).packages.map((p) => `${p.name} ${p.version}`)).toEqual([
      'attrs 3.6',
      'idna 3.6',
      'numpy 1.26.4',
      'numpy 2.0.0',
    ]);
  });

  it('escapes hostile index data; it reads back as the same strings in our reader and smol-toml', () => {
    const evil = 'x" ]\n[[packages]]\nname = "pwned\u0000\u202e';
    const text = renderLock({
      requiresPython: evil,
      packages: [
        {
          ...IDNA,
          marker: evil,
          requiresPython: evil,
          index: `https://i.example/${evil}`,
          wheels: [{ ...IDNA.wheels[0]!, url: `https://files.example/${encodeURIComponent(evil)}.whl?"` }],
        },
      ],
    });
    const data = parse(text) as { 'requires-python': string; packages: Array<Record<string, any>> };
    expect(data.packages).toHaveLength(1);
    expect(data['requires-python']).toBe(evil);
    expect(data.packages[0]!['marker']).toBe(evil);
    expect(data.packages[0]!['wheels'][0].name).toBe('idna-3.6-py3-none-any.whl'); // the URL does not end in the filename
    expect(parseLock(text, 'x').packages[0]!.files.map((f) => f.sha256)).toEqual([sha('b'), sha('a')]);
  });

  it('writes `name` whenever the URL’s raw last segment is not exactly the filename (what packaging.pylock reads without it)', () => {
    const wheel = (filename: string, url: string) => renderLock({ packages: [{ ...IDNA, sdist: undefined, wheels: [{ filename, url, sha256: sha('a') }] }] });
    const names = (text: string) => (parse(text) as { packages: Array<{ wheels: Array<{ name?: string }> }> }).packages[0]!.wheels[0]!.name;
    const torch = 'torch-2.3.0+cpu-cp311-cp311-linux_x86_64.whl';
    expect(names(wheel(torch, 'https://download.pytorch.org/whl/cpu/torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl'))).toBe(torch);
    expect(names(wheel(torch, `https://download.example/whl/${torch}`))).toBeUndefined();
    // urlparse splits `;params` off the last segment, so packaging.pylock reads this one right.
    expect(names(wheel('idna-3.6-py3-none-any.whl', 'https://files.example/idna-3.6-py3-none-any.whl;x'))).toBeUndefined();
    expect(names(wheel('idna-3.6-py3-none-any.whl', 'https://files.example/download/'))).toBe('idna-3.6-py3-none-any.whl');
    expect(names(wheel('idna-3.6-py3-none-any.whl', 'https://files.example/IDNA-3.6-py3-none-any.whl'))).toBe('idna-3.6-py3-none-any.whl');
  });

  it('refuses values that cannot be written safely (caller bugs)', () => {
    expect(() => renderLock({ packages: [{ ...IDNA, wheels: [{ ...IDNA.wheels[0]!, uploadTime: '2023-11-25 15:40:54' }] }] })).toThrow(RangeError);
    expect(() => renderLock({ packages: [{ ...IDNA, wheels: [{ ...IDNA.wheels[0]!, size: -1 }] }] })).toThrow(RangeError);
    expect(() => renderLock({ packages: [{ ...IDNA, wheels: [{ ...IDNA.wheels[0]!, sha256: 'ABC' }] }] })).toThrow(RangeError);
  });
});

describe('utcUploadTime', () => {
  it('turns an RFC 3339 time into a UTC TOML datetime, to microseconds', () => {
    expect(utcUploadTime('2025-01-25T11:30:10.164985Z')).toBe('2025-01-25T11:30:10.164985Z');
    expect(utcUploadTime('2025-01-25T01:30:10.1649851234-10:30')).toBe('2025-01-25T12:00:10.164985Z');
    expect(utcUploadTime('2024-12-31T23:30:00+00:00')).toBe('2024-12-31T23:30:00Z');
    expect(utcUploadTime('2025-01-01T00:10:00+01:00')).toBe('2024-12-31T23:10:00Z');
  });

  it('gives nothing for anything else', () => {
    for (const bad of [
      '',
      '2025-02-30T00:00:00Z',
      '2025-01-01T24:00:00Z',
      '2025-01-01T00:00:00',
      '2025-01-01',
      'yesterday',
      '2025-01-01T00:00:00Z\n[x]',
      '0000-01-01T00:00:00+01:00',
    ]) {
      expect(utcUploadTime(bad)).toBeUndefined();
    }
  });
});

describe('sameLockContent', () => {
  it('ignores identities and key order, nothing else', () => {
    const fresh = parse(renderLock({ packages: [IDNA] }));
    const withIds = parse(renderLock({ packages: [IDNA] }) + '\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "kjd/idna"\n');
    expect(sameLockContent(withIds, fresh)).toBe(true);
    expect(sameLockContent(parse(renderLock({ packages: [{ ...IDNA, version: '3.7' }] })), fresh)).toBe(false);
    expect(sameLockContent(parse(renderLock({ requiresPython: '>=3.9', packages: [IDNA] })), fresh)).toBe(false);
  });
});

describe('selectFiles', () => {
  const at = { file: 'r.txt', line: 4, column: 1 };
  const pin = (over: Partial<Pin> = {}): Pin => ({
    name: 'Demo_Pkg',
    project: 'demo-pkg',
    extras: [],
    version: '1.0',
    marker: undefined,
    hashes: [],
    at,
    ...over,
  });
  const file = (filename: string, c: string, over: Partial<IndexFile> = {}): IndexFile => ({
    filename,
    url: `https://files.example/${filename}`,
    sha256: sha(c),
    size: 10,
    uploadTime: '2025-01-01T00:00:00Z',
    requiresPython: '>=3.8',
    yanked: false,
    conflict: false,
    ...over,
  });
  const page = [
    file('demo_pkg-1.0.tar.gz', '1'),
    file('demo_pkg-1.0.zip', '2'),
    file('demo_pkg-1.0-py3-none-any.whl', '3'),
    file('demo_pkg-1.0.0-1-cp312-cp312-win_amd64.whl', '4'),
    file('demo_pkg-1.0-py2.4.egg', '5'),
    file('demo_pkg-1.0+cpu-py3-none-any.whl', '6'),
    file('demo_pkg-1.1-py3-none-any.whl', '7'),
    file('demo-pkg-extra-1.0.tar.gz', '8'),
    file('demo_pkg-1.0-py3-none-any\n.whl', '9'),
    file('x/demo_pkg-1.0-py3-none-any.whl', 'a'),
  ];

  it('without hashes: every sdist and wheel of exactly that version (1.0 == 1.0.0, not 1.0+cpu), one sdist, and a warning', () => {
    const { package: pkg, warnings } = selectFiles(pin(), page, 'https://i.example/simple');
    expect(pkg).toMatchObject({ name: 'demo-pkg', version: '1.0', requiresPython: '>=3.8', sdist: { filename: 'demo_pkg-1.0.tar.gz' } });
    expect(pkg.wheels.map((w) => w.filename)).toEqual(['demo_pkg-1.0-py3-none-any.whl', 'demo_pkg-1.0.0-1-cp312-cp312-win_amd64.whl']);
    expect(warnings.map((w) => w.message.slice(0, 30))).toEqual(['a lock holds one sdist per pac', 'Demo_Pkg==1.0 has no --hash: r']);
  });

  it('with hashes: exactly the listed files; an egg among them is named in a warning', () => {
    const hashes = ['3', '5'].map((c, i) => ({ sha256: sha(c), at: { ...at, line: 5 + i } }));
    const { package: pkg, warnings } = selectFiles(pin({ hashes }), page, 'https://i.example/simple');
    expect([pkg.sdist, pkg.wheels.map((w) => w.filename)]).toEqual([undefined, ['demo_pkg-1.0-py3-none-any.whl']]);
    expect(warnings).toHaveLength(1);
  });

  it('refuses a hash that is not a file of that version, at the hash line', () => {
    for (const c of ['7', '0']) {
      const hashes = [
        { sha256: sha('3'), at },
        { sha256: sha(c), at: { ...at, line: 6, column: 5 } },
      ];
      expect(() => selectFiles(pin({ hashes }), page, 'i')).toThrow(expect.objectContaining({ code: 'REQUIREMENTS', line: 6, column: 5 }));
    }
  });

  it('refuses files the index describes badly, and a version with no sdist or wheel', () => {
    const err = (files: IndexFile[]) => {
      try {
        selectFiles(pin(), files, 'i');
      } catch (e) {
        return e instanceof PylockAttestError ? [e.code, e.line] : e;
      }
      return undefined;
    };
    expect(err([file('demo_pkg-1.0.tar.gz', '1', { conflict: true })])).toEqual(['INDEX_BODY', 4]);
    expect(err([file('demo_pkg-1.0.tar.gz', '1', { sha256: undefined })])).toEqual(['INDEX_BODY', 4]);
    expect(err([file('demo_pkg-1.0.tar.gz', '1', { url: undefined, urlProblem: 'downgrade' })])).toEqual(['INDEX_URL', 4]);
    expect(err([file('demo_pkg-1.0-py2.4.egg', '5')])).toEqual(['REQUIREMENTS', 4]);
    expect(err([])).toEqual(['REQUIREMENTS', 4]);
  });

  it('records a yanked file with a warning, and leaves requires-python out when files disagree', () => {
    const files = [file('demo_pkg-1.0.tar.gz', '1', { yanked: { reason: 'broken' } }), file('demo_pkg-1.0-py3-none-any.whl', '3', { requiresPython: '>=3.9' })];
    const { package: pkg, warnings } = selectFiles(pin(), files, 'i');
    expect(pkg.requiresPython).toBeUndefined();
    expect(warnings.map((w) => [w.at.line, w.message.includes('yanked'), w.message.includes('requires-python')])).toEqual([
      [4, false, false],
      [4, true, false],
      [4, false, true],
    ]);
  });

  it('drops size and upload-time the index gives in the wrong shape (they are optional)', () => {
    const { package: pkg } = selectFiles(pin(), [file('demo_pkg-1.0.tar.gz', '1', { size: 1.5, uploadTime: 'soon' })], 'i');
    expect(pkg.sdist).toEqual({ filename: 'demo_pkg-1.0.tar.gz', url: 'https://files.example/demo_pkg-1.0.tar.gz', sha256: sha('1') });
  });
});

describe('versions from filenames', () => {
  it('reads the version of the named project only', () => {
    expect(versionOf('foo_bar-1.0-py3-none-any.whl', 'foo-bar')).toBe('1.0');
    expect(versionOf('foo-bar-1.0.tar.gz', 'foo-bar')).toBe('1.0');
    expect(versionOf('foo-bar-1.0.tar.gz', 'foo')).toBe('bar-1.0');
    expect(versionOf('foo-1.0-py3-none-any.whl', 'foo-bar')).toBeUndefined();
    expect(versionOf('foo-1.0.txt', 'foo')).toBeUndefined();
  });

  it('normalizes pins to the PEP 440 form', () => {
    expect(['1.0', 'V1.0', '1.0-1', '1.0.0RC1', '1!2.0.post2.dev3+Local-1', '01.02'].map(normalizeVersion)).toEqual([
      '1.0',
      '1.0',
      '1.0.post1',
      '1.0.0rc1',
      '1!2.0.post2.dev3+local.1',
      '1.2',
    ]);
  });
});
