import { describe, expect, it } from 'vitest';
import { parseLock } from '../src/core/lockfile.js';
import { checkLockVersion } from '../src/core/lock-version.js';
import { filenameFromLocation } from '../src/core/filename.js';
import { PylockAttestError } from '../src/errors.js';

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
    const m = parseLock(text, 'pylock.toml', [2]);
    expect(m.packages[0]).toMatchObject({ name: 'Foo_Bar', project: 'foo-bar', version: '1.0', line: 2, skip: undefined });
    expect(m.packages[0]!.files).toEqual([
      { kind: 'sdist', filename: 'Foo_Bar-1.0.tar.gz', sha256: H },
      { kind: 'wheel', filename: 'foo_bar-1.0-py3-none-any.whl', sha256: H },
    ]);
  });

  it('takes the filename from the percent-decoded URL, then path, then name', () => {
    expect(filenameFromLocation('https://x/a/pkg%2B1-1.0.tar.gz', undefined, 'lower.tar.gz')).toBe('pkg+1-1.0.tar.gz');
    expect(filenameFromLocation(undefined, 'dist/Pkg-1.0.tar.gz', undefined)).toBe('Pkg-1.0.tar.gz');
    expect(filenameFromLocation(undefined, undefined, 'Pkg-1.0.tar.gz')).toBe('Pkg-1.0.tar.gz');
    expect(filenameFromLocation('https://x/a/..%2F..%2Fetc', undefined, 'ok-1.0.tar.gz')).toBe('ok-1.0.tar.gz');
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
    expect(m.packages.map((p) => p.skip)).toEqual(['directory', 'vcs', 'archive', undefined]);
    expect(m.packages[3]!.files[0]!.kind).toBe('archive');
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
