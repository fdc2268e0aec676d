import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diff } from '../src/app/diff.js';
import { diffLocks, setChangeSubkind, stateFindings } from '../src/core/diff.js';
import { parseLock } from '../src/core/lockfile.js';
import type { Finding } from '../src/core/outcome.js';
import { EMPTY_POLICY } from '../src/core/policy.js';
import { parseGitSpec } from '../src/io/git-source.js';
import { withIdentities, withoutPackage, withPackage, withVersion } from './support/lock-variants.ts';
import { HAS_INTEROP, INTEROP_MISSING, interopText, tempDir } from './support/workspace.ts';

const ATTRS = { environment: 'release-pypi', kind: 'GitHub', repository: 'python-attrs/attrs', workflow: 'pypi-package.yml' };
const SHA = 'ab'.repeat(32);

function model(text: string) {
  return parseLock(text, 'x.toml');
}

function changes(before: string, after: string): Array<Pick<Finding, 'category' | 'package'> & { subkind?: string }> {
  return diffLocks(model(before), model(after), 'new.toml').map((f) => ({
    category: f.category,
    package: f.package,
    ...(f.subkind ? { subkind: f.subkind } : {}),
  }));
}

if (!HAS_INTEROP) console.warn(`diff.test.ts: interop cases ${INTEROP_MISSING}`);

describe.skipIf(!HAS_INTEROP)('diff: pairs made from the interop lockfiles', () => {
  const spec = HAS_INTEROP ? interopText('lockfiles/spec-example.pylock.toml') : '';

  it('the same file, and a version bump within the same identity, are no finding', () => {
    expect(changes(spec, spec)).toEqual([]);
    expect(changes(spec, withVersion(spec, 'attrs', '25.3.0'))).toEqual([]);
  });

  it('identity removed: the litellm case', () => {
    const after = withIdentities(spec, 'attrs', []);
    const [f, ...rest] = diffLocks(model(spec), model(after), 'new.toml');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      category: 'identity-removed',
      severity: 'error',
      package: 'attrs',
      version: '25.1.0',
      path: 'new.toml',
      line: 6,
      old: [ATTRS],
      new: [],
    });
  });

  it('environment-only change is publisher-changed/environment; "" against absent is nothing', () => {
    const staging = withIdentities(spec, 'attrs', [{ ...ATTRS, environment: 'staging' }]);
    expect(changes(spec, staging)).toEqual([{ category: 'publisher-changed', package: 'attrs', subkind: 'environment' }]);
    const dropped = withIdentities(spec, 'attrs', [{ kind: 'GitHub', repository: 'python-attrs/attrs', workflow: 'pypi-package.yml' }]);
    expect(changes(spec, dropped)).toEqual([{ category: 'publisher-changed', package: 'attrs', subkind: 'environment' }]);
    const empty = spec.replace("environment = 'release-pypi'", "environment = ''");
    expect(changes(empty, dropped)).toEqual([]);
    expect(changes(dropped, empty)).toEqual([]);
  });

  it('repository, workflow and forge (kind) changes each name their sub-kind', () => {
    expect(changes(spec, withIdentities(spec, 'attrs', [{ ...ATTRS, repository: 'attrs-fork/attrs' }]))).toEqual([
      { category: 'publisher-changed', package: 'attrs', subkind: 'repository' },
    ]);
    expect(changes(spec, withIdentities(spec, 'attrs', [{ ...ATTRS, workflow: 'other.yml' }]))).toEqual([
      { category: 'publisher-changed', package: 'attrs', subkind: 'workflow' },
    ]);
    const gitlab = withIdentities(spec, 'attrs', [{ kind: 'GitLab', repository: 'python-attrs/attrs', workflow_filepath: '.gitlab-ci.yml' }]);
    const [f] = diffLocks(model(spec), model(gitlab), 'new.toml');
    expect(f).toMatchObject({
      category: 'publisher-changed',
      subkind: 'kind',
      old: [ATTRS],
      new: [{ kind: 'GitLab', repository: 'python-attrs/attrs', workflow_filepath: '.gitlab-ci.yml' }],
    });
  });

  it('identity added (info), new packages with and without identities, removed packages', () => {
    const withCattrs = withIdentities(spec, 'cattrs', [{ kind: 'GitHub', repository: 'python-attrs/cattrs', workflow: 'release.yml' }]);
    expect(diffLocks(model(spec), model(withCattrs), 'n')).toMatchObject([
      { category: 'identity-added', severity: 'info', package: 'cattrs', old: [], new: [{ kind: 'GitHub' }] },
    ]);
    const added = withPackage(withPackage(spec, { name: 'fresh', version: '1.0', sha256: SHA }), {
      name: 'signed',
      version: '2.0',
      sha256: SHA,
      identities: [{ kind: 'Google', email: 'ci@example.com' }],
    });
    expect(changes(spec, added)).toEqual([
      { category: 'new-package-unattested', package: 'fresh' },
      { category: 'identity-added', package: 'signed' },
    ]);
    expect(changes(spec, withoutPackage(spec, 'attrs'))).toEqual([]);
  });

  it('a second publisher is a change (sub-kind identity) and newly mixed publishers a warning', () => {
    const two = withIdentities(spec, 'attrs', [ATTRS, { kind: 'GitHub', repository: 'someone/else', workflow: 'x.yml' }]);
    expect(changes(spec, two)).toEqual([
      { category: 'publisher-changed', package: 'attrs', subkind: 'identity' },
      { category: 'mixed-publishers', package: 'attrs' },
    ]);
    expect(changes(two, two)).toEqual([]);
  });

  it('uv and pip lockfiles: identities made and changed by line edits', () => {
    for (const name of ['uv-export.pylock.toml', 'pip-lock.pylock.toml']) {
      const text = interopText(`lockfiles/${name}`);
      const pkg = name.startsWith('uv') ? 'idna' : 'packaging';
      const before = withIdentities(text, pkg, [{ kind: 'GitHub', repository: `owner/${pkg}`, workflow: 'release.yml', environment: '' }]);
      expect(changes(text, before)).toEqual([{ category: 'identity-added', package: pkg }]);
      expect(changes(before, withIdentities(before, pkg, [{ kind: 'GitHub', repository: `owner/${pkg}`, workflow: 'release.yml' }]))).toEqual([]);
      expect(changes(before, withIdentities(before, pkg, [{ kind: 'GitLab', repository: `owner/${pkg}`, workflow_filepath: 'release.yml' }]))).toEqual([
        { category: 'publisher-changed', package: pkg, subkind: 'kind' },
      ]);
      expect(changes(before, withIdentities(before, pkg, []))).toEqual([{ category: 'identity-removed', package: pkg }]);
    }
  });
});

describe('diff: matching and state', () => {
  const base = 'lock-version = "1.0"\n';
  const entry = (version: string, marker: string, repo?: string) =>
    `\n[[packages]]\nname = "Multi_Pkg"\nversion = "${version}"\nmarker = '${marker}'\nsdist = { url = "https://f.example/multi_pkg-${version}.tar.gz", hashes = { sha256 = "${SHA}" } }\n` +
    (repo ? `\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "${repo}"\nworkflow = "r.yml"\n` : '');

  it('matches by normalized name, and entries of one name by marker', () => {
    const before = base + entry('1.0', 'python_version < "3.10"', 'old/a') + entry('2.0', 'python_version >= "3.10"', 'new/b');
    const renamed = before.replaceAll('Multi_Pkg', 'multi.pkg');
    expect(changes(before, renamed)).toEqual([]);
    const bumped = base + entry('1.1', 'python_version < "3.10"', 'old/a') + entry('2.1', 'python_version >= "3.10"', 'new/b');
    expect(changes(before, bumped)).toEqual([]);
    const swapped = base + entry('1.1', 'python_version < "3.10"', 'new/b') + entry('2.1', 'python_version >= "3.10"', 'new/b');
    expect(changes(before, swapped)).toEqual([{ category: 'publisher-changed', package: 'Multi_Pkg', subkind: 'repository' }]);
  });

  it('the same change seen from two entries is reported once', () => {
    const before = base + entry('1.0', 'a', 'old/a') + entry('2.0', 'b', 'old/a');
    const after = base + entry('1.0', 'a') + entry('2.0', 'b');
    expect(changes(before, after)).toEqual([{ category: 'identity-removed', package: 'Multi_Pkg' }]);
  });

  it('stateFindings: mixed publishers always, unattested packages only when required', () => {
    const text = base + entry('1.0', 'a') + '\n[[packages]]\nname = "local"\ndirectory = { path = "." }\n';
    expect(stateFindings(model(text), 'p', () => false)).toEqual([]);
    expect(stateFindings(model(text), 'p', () => true).map((f) => [f.category, f.severity, f.package])).toEqual([
      ['new-package-unattested', 'info', 'Multi_Pkg'],
    ]);
  });

  it('setChangeSubkind ranks kind > repository > workflow > environment', () => {
    const a = { kind: 'GitHub', repository: 'a/b', workflow: 'w.yml', environment: 'e' };
    expect(setChangeSubkind([a], [{ ...a, kind: 'GitLab', repository: 'x/y' }])).toBe('kind');
    expect(setChangeSubkind([a], [{ ...a, repository: 'x/y', workflow: 'z' }])).toBe('repository');
    expect(setChangeSubkind([a], [{ ...a, workflow: 'z', environment: 'f' }])).toBe('workflow');
    expect(setChangeSubkind([{ kind: 'Google', email: 'a@x' }], [{ kind: 'Google', email: 'b@x' }])).toBe('repository');
  });
});

describe('diff against git revisions (a temporary repository)', () => {
  const ws = tempDir('pylock-attest-git-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const v1 =
    'lock-version = "1.0"\n\n[[packages]]\nname = "demo"\nversion = "1.0"\nsdist = { url = "https://f.example/demo-1.0.tar.gz", hashes = { sha256 = "' +
    SHA +
    '" } }\n\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "acme/demo"\nworkflow = "release.yml"\n';
  const v2 = v1.replace('acme/demo', 'mallory/demo');
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'commit.gpgsign', 'false');
  mkdirSync(join(ws.dir, 'sub'));
  ws.file('sub/pylock.toml', v1);
  git('add', '.');
  git('commit', '-q', '-m', 'v1');
  ws.file('sub/pylock.toml', v2);
  afterAll(() => ws.cleanup());
  const opts = { cwd: ws.dir, policy: EMPTY_POLICY, now: new Date('2026-01-01') };

  it('git:<rev>:<path> reads the committed file; the path is relative to cwd', async () => {
    const result = await diff('git:HEAD:sub/pylock.toml', join(ws.dir, 'sub/pylock.toml'), opts);
    expect(result.exitCode).toBe(1);
    expect(result.lockfiles[0]!.base).toBe('git:HEAD:sub/pylock.toml');
    expect(result.findings.map((f) => [f.category, f.subkind])).toEqual([['publisher-changed', 'repository']]);
    const fromSub = await diff('git:main:pylock.toml', join(ws.dir, 'sub/pylock.toml'), { ...opts, cwd: join(ws.dir, 'sub') });
    expect(fromSub.findings).toHaveLength(1);
  });

  it('git:<rev> takes the path of the new file; the same file twice → exit 0', async () => {
    const implicit = await diff('git:HEAD', join(ws.dir, 'sub/pylock.toml'), opts);
    expect(implicit.findings.map((f) => f.category)).toEqual(['publisher-changed']);
    const both = await diff('git:HEAD:sub/pylock.toml', 'git:HEAD:sub/pylock.toml', opts);
    expect(both).toMatchObject({ exitCode: 0, findings: [] });
  });

  it('errors name the revision and path: unknown revision, missing path, not a file', async () => {
    const target = join(ws.dir, 'sub/pylock.toml');
    await expect(diff('git:no-such-rev:sub/pylock.toml', target, opts)).rejects.toMatchObject({ code: 'GIT_READ', file: 'git:no-such-rev:sub/pylock.toml' });
    await expect(diff('git:HEAD:sub/missing.toml', target, opts)).rejects.toMatchObject({ code: 'GIT_READ', file: 'git:HEAD:sub/missing.toml' });
    await expect(diff('git:HEAD:sub', target, opts)).rejects.toMatchObject({ code: 'GIT_READ' });
  });

  it('a revision that looks like an option is refused before git runs', () => {
    expect(() => parseGitSpec('git:--output=/tmp/x:pylock.toml')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseGitSpec('git::pylock.toml')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseGitSpec('git:HEAD:')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(parseGitSpec('git:HEAD~1:a:b.toml')).toEqual({ rev: 'HEAD~1', path: 'a:b.toml' });
    expect(parseGitSpec('git:origin/main')).toEqual({ rev: 'origin/main' });
    expect(parseGitSpec('./git:x')).toBeUndefined();
  });
});
