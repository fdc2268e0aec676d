import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLock, withIndexArchive } from '../src/core/lockfile.js';
import { checkLockVersion } from '../src/core/lock-version.js';
import { fileNames, rawUrlName } from '../src/core/filename.js';
import { PylockAttestError } from '../src/errors.js';
import { HAS_INTEROP, INTEROP, INTEROP_MISSING } from './support/workspace.ts';

const H = 'a'.repeat(64);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof PylockAttestError ? e.code : 'other';
  }
  return undefined;
}

describe('parseLock', () => {
  it('enumerates sdist, inline wheels and [[packages.wheels]] files with case-preserved names', () => {
    const text = `lock-version = "1.0"
[[packages]]
name = "Foo_Bar"
version = "1.0"
sdist = { url = "https://files.example/p/Foo_Bar-1.0.tar.gz", hashes = { sha256 = "${H.toUpperCase()}" } }
wheels = [{ url = "https://files.example/p/foo_bar-1.0-py3-none-any.whl", hashes = { sha256 = "${H}" } }]
`;
    const m = parseLock(text, 'pylock.toml');
    expect(m.packages[0]).toMatchObject({ name: 'Foo_Bar', project: 'foo-bar', version: '1.0', line: 2, skip: undefined });
    expect(m.packages[0]!.files).toEqual([
      { kind: 'sdist', filename: 'Foo_Bar-1.0.tar.gz', urlName: 'Foo_Bar-1.0.tar.gz', sha256: H },
      { kind: 'wheel', filename: 'foo_bar-1.0-py3-none-any.whl', urlName: 'foo_bar-1.0-py3-none-any.whl', sha256: H },
    ]);
  });

  it('names what each package is: its position, its `index` key as indexUrl, its `marker` as written', () => {
    const text = `lock-version = "1.0"
[[packages]]
name = "a"
version = "1.0"
marker = "sys_platform == 'linux'"
index = "https://pypi.org/simple"
sdist = { url = "https://files.example/p/a-1.0.tar.gz", hashes = { sha256 = "${H}" } }
[[packages]]
name = "b"
directory = { path = "." }
`;
    const [a, b] = parseLock(text, 'pylock.toml').packages;
    expect(a).toMatchObject({ position: 0, marker: "sys_platform == 'linux'", indexUrl: 'https://pypi.org/simple', line: 2 });
    expect(b).toMatchObject({ position: 1, marker: undefined, indexUrl: undefined, line: 8 });
  });

  it('takes the filename from `name`, then path, then the percent-decoded URL, as PEP 751 and packaging.pylock do', () => {
    expect(fileNames('https://x/a/pkg%2B1-1.0.tar.gz', undefined, undefined)).toEqual({ filename: 'pkg+1-1.0.tar.gz', urlName: 'pkg+1-1.0.tar.gz' });
    expect(fileNames(undefined, 'dist/Pkg-1.0.tar.gz', undefined)).toEqual({ filename: 'Pkg-1.0.tar.gz', urlName: 'Pkg-1.0.tar.gz' });
    expect(fileNames(undefined, undefined, 'Pkg-1.0.tar.gz')).toEqual({ filename: 'Pkg-1.0.tar.gz', urlName: undefined });
    expect(fileNames('https://x/a/..%2F..%2Fetc', undefined, 'ok-1.0.tar.gz')).toEqual({ filename: 'ok-1.0.tar.gz', urlName: undefined });
    // uv: a normalized `name` beside the URL as PyPI spells the upload; the index is asked for the latter.
    const uv = fileNames(
      'https://files.pythonhosted.org/p/MarkupSafe-2.1.5-cp311-cp311-win_amd64.whl',
      undefined,
      'markupsafe-2.1.5-cp311-cp311-win_amd64.whl',
    );
    expect(uv).toEqual({ filename: 'markupsafe-2.1.5-cp311-cp311-win_amd64.whl', urlName: 'MarkupSafe-2.1.5-cp311-cp311-win_amd64.whl' });
    // An artifact store: the URL does not end in the file; only `name` says which it is.
    expect(fileNames('https://artifacts.example/download?id=123', undefined, 'foo-1.0-py3-none-any.whl')).toEqual({
      filename: 'foo-1.0-py3-none-any.whl',
      urlName: undefined,
    });
    // A URL ending in another distribution is never taken for this one.
    expect(fileNames('https://x/foo-1.1-py3-none-any.whl', undefined, 'foo-1.0-py3-none-any.whl')).toEqual({
      filename: 'foo-1.0-py3-none-any.whl',
      urlName: undefined,
    });
  });

  it("reads a URL's last segment raw, as Python's urlparse does (what packaging.pylock falls back to)", () => {
    expect(rawUrlName('https://download.pytorch.org/whl/cpu/torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl')).toBe(
      'torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl',
    );
    expect(rawUrlName('https://x/a/foo-1.0.tar.gz?x=/y#z/w')).toBe('foo-1.0.tar.gz');
    expect(rawUrlName('https://x/a/foo-1.0.tar.gz;type=x')).toBe('foo-1.0.tar.gz');
    expect(rawUrlName('https://x/download/')).toBe('');
    expect(rawUrlName('https://x')).toBe('');
  });

  it('skips vcs and directory packages, and direct-URL archives', () => {
    const text = `lock-version = "1.0"
[[packages]]
name = "a"
directory = { path = "." }
[[packages]]
name = "b"
vcs = { type = "git", url = "https://g/b", commit-id = "abc" }
[[packages]]
name = "c"
version = "1.0"
archive = { url = "https://x/other-thing.zip", hashes = { sha256 = "${H}" } }
[[packages]]
name = "d"
version = "2.0"
archive = { url = "https://x/d-2.0.tar.gz", hashes = { sha256 = "${H}" } }
`;
    const m = parseLock(text, 'f');
    expect(m.packages.map((p) => p.skip)).toEqual(['directory', 'vcs', 'archive', 'archive']);
    expect(m.packages.map((p) => p.files)).toEqual([[], [], [], []]);
    expect(m.packages[2]!.archive).toBeUndefined();
    expect(m.packages[3]!.archive).toEqual({ kind: 'archive', filename: 'd-2.0.tar.gz', urlName: 'd-2.0.tar.gz', sha256: H, url: 'https://x/d-2.0.tar.gz' });
  });

  it('looks a direct archive up only where its index serves it', () => {
    const text = (url: string) =>
      `lock-version = "1.0"\n[[packages]]\nname = "d"\nversion = "2.0"\narchive = { url = "${url}", hashes = { sha256 = "${H}" } }\n`;
    const onIndex = (url: string, index: string) => withIndexArchive(parseLock(text(url), 'f').packages[0]!, index);
    const pypi = onIndex('https://files.pythonhosted.org/packages/ab/cd/d-2.0.tar.gz', 'https://pypi.org/simple');
    expect(pypi).toMatchObject({ skip: undefined, files: [{ kind: 'archive', filename: 'd-2.0.tar.gz', sha256: H }] });
    expect(onIndex('https://test-files.pythonhosted.org/packages/ab/d-2.0.tar.gz', 'https://test.pypi.org/simple/').skip).toBeUndefined();
    expect(onIndex('https://devpi.example/root/pypi/+f/ab/d-2.0.tar.gz', 'https://devpi.example/root/pypi/+simple/').skip).toBeUndefined();
    expect(
      onIndex('https://gitlab.example/api/v4/projects/1/packages/pypi/files/ab/d-2.0.tar.gz', 'https://gitlab.example/api/v4/projects/1/packages/pypi/simple')
        .skip,
    ).toBeUndefined();
    for (const [url, index] of [
      ['https://example.com/dist/d-2.0.tar.gz', 'https://pypi.org/simple'],
      ['https://files.pythonhosted.org/packages/ab/d-2.0.tar.gz', 'https://test.pypi.org/simple'],
      ['http://files.pythonhosted.org/packages/ab/d-2.0.tar.gz', 'https://pypi.org/simple'],
      ['https://pypi.org.evil.example/packages/d-2.0.tar.gz', 'https://pypi.org/simple'],
      ['https://devpi.example/other/+f/d-2.0.tar.gz', 'https://devpi.example/root/pypi/+simple/'],
      ['https://devpi.example:8443/root/pypi/+f/d-2.0.tar.gz', 'https://devpi.example/root/pypi/+simple/'],
    ] as const) {
      expect(onIndex(url, index), `${url} on ${index}`).toMatchObject({ skip: 'archive', files: [] });
    }
  });

  it('reads recorded identities in either form', () => {
    const text = `lock-version = "1.0"
[[packages]]
name = "a"
version = "1"
attestation-identities = [{ kind = "GitHub", repository = "o/r", workflow = "w", environment = "" }]
`;
    expect(parseLock(text, 'f').packages[0]!.identities).toEqual([{ kind: 'GitHub', repository: 'o/r', workflow: 'w' }]);
  });

  it('rejects bad input with codes and line numbers', () => {
    expect(codeOf(() => parseLock('lock-version = "2.0"\n', 'f'))).toBe('LOCK_VERSION');
    expect(codeOf(() => parseLock('a = [\n', 'f'))).toBe('LOCK_PARSE');
    expect(codeOf(() => parseLock('lock-version = "1.0"\n[[packages]]\nversion = "1"\n', 'f'))).toBe('LOCK_INVALID');
    const noHash = `lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\nsdist = { url = "https://x/a-1.tar.gz" }\n`;
    expect(codeOf(() => parseLock(noHash, 'f'))).toBe('LOCK_INVALID');
    try {
      parseLock('lock-version = "1.0"\nx = [1,\n', 'pylock.toml');
    } catch (e) {
      expect(e).toMatchObject({ code: 'LOCK_PARSE', file: 'pylock.toml', line: expect.any(Number), column: expect.any(Number) });
    }
  });
});

describe('lock-version', () => {
  it('accepts 1.0, warns on 1.1, refuses 2.0 and junk', () => {
    expect(checkLockVersion('1.0')).toEqual({ ok: true });
    expect(checkLockVersion('1.1')).toMatchObject({ ok: true, warning: expect.any(String) });
    expect(checkLockVersion('2.0').ok).toBe(false);
    expect(checkLockVersion('one').ok).toBe(false);
    expect(checkLockVersion(1).ok).toBe(false);
  });
});

describe('a locked file is bound to its package (name and PEP 440 version)', () => {
  const lock = (pkg: string) => `lock-version = "1.0"\ncreated-by = "t"\n\n[[packages]]\n${pkg}`;
  const errorOf = (text: string) => {
    try {
      parseLock(text, 'pylock.toml');
    } catch (e) {
      if (e instanceof PylockAttestError) return { code: e.code, line: e.line, package: e.package, message: e.message };
      throw e;
    }
    return undefined;
  };

  it('refuses a real file of another project, naming file:line, package and filename', () => {
    const text = lock(
      `name = "sampleproject"\nversion = "0.0.4a2"\nsdist = { url = "https://files.pythonhosted.org/p/pypi_attestation_models-0.0.4a2.tar.gz", hashes = { sha256 = "${H}" } }\n`,
    );
    expect(errorOf(text)).toEqual({
      code: 'LOCK_INVALID',
      line: 4,
      package: 'sampleproject',
      message:
        '`sdist` (pypi_attestation_models-0.0.4a2.tar.gz) is not a file of sampleproject 0.0.4a2: it names the project `pypi-attestation-models`, not `sampleproject`',
    });
  });

  it('refuses a file of another release', () => {
    const text = lock(
      `name = "pypi-attestation-models"\nversion = "9.9.9"\nwheels = [{ url = "https://x/pypi_attestation_models-0.0.4a2-py3-none-any.whl", hashes = { sha256 = "${H}" } }]\n`,
    );
    expect(errorOf(text)).toMatchObject({
      code: 'LOCK_INVALID',
      message:
        '`wheels[0]` (pypi_attestation_models-0.0.4a2-py3-none-any.whl) is not a file of pypi-attestation-models 9.9.9: it is version 0.0.4a2, not 9.9.9',
    });
  });

  it.each([
    ['an sdist name under wheels', `wheels = [{ url = "https://x/foo-1.0.tar.gz", hashes = { sha256 = "${H}" } }]`, 'is not a wheel filename'],
    [
      'a wheel name under sdist',
      `sdist = { url = "https://x/foo-1.0-py3-none-any.whl", hashes = { sha256 = "${H}" } }`,
      'is not a source distribution filename',
    ],
    ['a wheel with a bad tag set', `wheels = [{ url = "https://x/foo-1.0-py3-none.whl", hashes = { sha256 = "${H}" } }]`, 'is not a wheel filename'],
    [
      'a `name` that says another project beside the right URL',
      `wheels = [{ name = "bar-1.0-py3-none-any.whl", url = "https://x/foo-1.0-py3-none-any.whl", hashes = { sha256 = "${H}" } }]`,
      'names the project `bar`',
    ],
    [
      'a legacy sdist of a longer-named project',
      `sdist = { url = "https://x/foo-bar-1.0.tar.gz", hashes = { sha256 = "${H}" } }`,
      'names the project `foo-bar`, not `foo`',
    ],
    ['a version that is not PEP 440', `sdist = { url = "https://x/foo-1.0.tar.gz", hashes = { sha256 = "${H}" } }`, 'is not a PEP 440 version', 'not-pep440'],
    [
      'a huge release that only a float would call equal',
      `sdist = { url = "https://x/foo-1.99999999999999999999.tar.gz", hashes = { sha256 = "${H}" } }`,
      'is version 1.99999999999999999999, not 1.99999999999999999998',
      '1.99999999999999999998',
    ],
  ])('refuses %s', (_, files, says, version = '1.0') => {
    const error = errorOf(lock(`name = "foo"\nversion = "${version}"\n${files}\n`));
    expect(error?.code).toBe('LOCK_INVALID');
    expect(error?.message).toContain(says);
  });

  it.each([
    ['a legacy sdist whose name has dashes', 'python-dateutil', '2.8.2', 'sdist', 'python-dateutil-2.8.2.tar.gz'],
    ['a legacy .zip sdist', 'python-dateutil', '2.8.2', 'sdist', 'python_dateutil-2.8.2.zip'],
    ['a legacy .tar.bz2 sdist (uv and pip install it)', 'foo-bar', '1.0', 'sdist', 'Foo.Bar-1.0.tar.bz2'],
    ['a legacy post release spelled with a dash', 'foo', '1.0.post1', 'sdist', 'foo-1.0-1.tar.gz'],
    ['another spelling of the version', 'foo', '1.0.0', 'sdist', 'foo-1.0.tar.gz'],
    [
      'a wheel with a build tag and compressed tag sets',
      'foo-bar',
      '1.0',
      'wheel',
      'foo_bar-1.0-2-py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    ],
    ['a local version (download.pytorch.org)', 'torch', '2.3.0+cpu', 'wheel', 'torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl'],
  ])('accepts %s', (_, name, version, kind, file) => {
    const entry =
      kind === 'sdist'
        ? `sdist = { url = "https://x/p/${file}", hashes = { sha256 = "${H}" } }`
        : `wheels = [{ url = "https://x/p/${file}", hashes = { sha256 = "${H}" } }]`;
    expect(parseLock(lock(`name = "${name}"\nversion = "${version}"\n${entry}\n`), 'f').packages[0]!.files).toHaveLength(1);
  });

  it('binds only the name when the lock gives no version (PEP 751 allows it), and skips the package', () => {
    const ok = parseLock(lock(`name = "foo"\nwheels = [{ url = "https://x/foo-1.0-py3-none-any.whl", hashes = { sha256 = "${H}" } }]\n`), 'f');
    expect(ok.packages[0]).toMatchObject({ skip: 'no-version', files: [] });
    expect(errorOf(lock(`name = "foo"\nwheels = [{ url = "https://x/bar-1.0-py3-none-any.whl", hashes = { sha256 = "${H}" } }]\n`))?.code).toBe('LOCK_INVALID');
  });

  it('refuses a package that mixes a direct source with sdist/wheels (PEP 751: mutually exclusive)', () => {
    const text = lock(
      `name = "foo"\nversion = "1.0"\narchive = { url = "https://x/foo-1.0.tar.gz", hashes = { sha256 = "${H}" } }\nwheels = [{ url = "https://x/foo-1.0-py3-none-any.whl", hashes = { sha256 = "${H}" } }]\n`,
    );
    expect(errorOf(text)).toMatchObject({ code: 'LOCK_INVALID', message: expect.stringContaining('mutually exclusive') });
  });

  it('says a malformed sha256 is malformed, not missing', () => {
    const text = lock(`name = "foo"\nversion = "1.0"\nsdist = { url = "https://x/foo-1.0.tar.gz", hashes = { sha256 = "0123456789abcdef" } }\n`);
    expect(errorOf(text)?.message).toBe('`sdist` (foo-1.0.tar.gz) has sha256 = "0123456789abcdef", which is not a 64-digit hex sha256');
    expect(errorOf(lock(`name = "foo"\nversion = "1.0"\nsdist = { url = "https://x/foo-1.0.tar.gz", hashes = { sha512 = "00" } }\n`))?.message).toContain(
      'has no sha256',
    );
  });
});

describe.skipIf(!HAS_INTEROP)(`real lockfiles in ../shared/interop/lockfiles${HAS_INTEROP ? '' : ` (${INTEROP_MISSING})`}`, () => {
  const dir = join(INTEROP, 'lockfiles');
  const files = HAS_INTEROP ? readdirSync(dir).filter((f) => f.endsWith('.toml')) : [];
  it.each(files)('%s is read, every file bound to its package', (name) => {
    const model = parseLock(readFileSync(join(dir, name), 'utf8'), name);
    expect(model.packages.flatMap((p) => p.files).length).toBeGreaterThan(0);
  });
});
