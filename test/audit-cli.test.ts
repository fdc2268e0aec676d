import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const SHA = 'cd'.repeat(32);

const run = (args: string[], cwd: string) => runCli(args, { cwd, env: { HOME: cwd } });

function lock(repo: string | undefined, version = '1.0'): string {
  const ids =
    repo === undefined ? '' : `\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "${repo}"\nworkflow = "release.yml"\nenvironment = ""\n`;
  return `lock-version = "1.0"\n\n[[packages]]\nname = "demo"\nversion = "${version}"\nsdist = { url = "https://f.example/demo-${version}.tar.gz", hashes = { sha256 = "${SHA}" } }\n${ids}`;
}

describe('check and diff from the built CLI, in a git repository (as a pre-commit hook runs them)', () => {
  const ws = tempDir('pylock-attest-cli-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'commit.gpgsign', 'false');
  ws.file('pylock.toml', lock('acme/demo'));
  git('add', 'pylock.toml');
  git('commit', '-q', '-m', 'lock');
  afterAll(() => ws.cleanup());

  it('a version bump within the same identity passes; the identity gone fails (exit 1), and the file is untouched', async () => {
    ws.file('pylock.toml', lock('acme/demo', '1.1'));
    const ok = await run(['check', '--offline', '--base', 'git:HEAD', 'pylock.toml'], ws.dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 0 errors/m);
    const removed = lock(undefined, '1.1');
    ws.file('pylock.toml', removed);
    const bad = await run(['check', '--offline', '--base', 'git:HEAD', 'pylock.toml', '--format', 'github'], ws.dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe(
      '::error file=pylock.toml,line=3,title=identity-removed%3A demo::recorded GitHub acme/demo (release.yml) before; no identity now\n',
    );
    expect(readFileSync(`${ws.dir}/pylock.toml`, 'utf8')).toBe(removed);
  });

  it('diff git:HEAD:<path> <path> with every format; exit codes follow the findings', async () => {
    ws.file('pylock.toml', lock('mallory/demo'));
    for (const format of ['text', 'json', 'markdown', 'github', 'sarif']) {
      const r = await run(['diff', 'git:HEAD:pylock.toml', 'pylock.toml', '--format', format], ws.dir);
      expect(r.code, format).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(format === 'markdown' ? 'publisher-changed (repository)' : 'publisher-changed');
    }
    const json = JSON.parse((await run(['diff', 'git:HEAD', 'pylock.toml', '--format', 'json'], ws.dir)).stdout);
    expect(json).toMatchObject({
      command: 'diff',
      lockfiles: [{ path: 'pylock.toml', base: 'git:HEAD:pylock.toml' }],
      findings: [{ category: 'publisher-changed', subkind: 'repository' }],
    });
    ws.file('pylock.toml', lock('acme/demo'));
    expect((await run(['diff', 'git:HEAD:pylock.toml', 'pylock.toml'], ws.dir)).code).toBe(0);
  });

  it('an allowance in pyproject.toml accepts the change until it expires; then the expiry is a finding', async () => {
    ws.file('pylock.toml', lock('new-home/demo'));
    const allow = (expires: string) =>
      `[tool.pylock-attest]\n\n[[tool.pylock-attest.allow]]\npackage = "demo"\nfrom = { repository = "acme/demo" }\nto = { repository = "new-home/demo" }\nreason = "moved to a new org"\nexpires = ${expires}\n`;
    ws.file('pyproject.toml', allow('2999-12-31'));
    const accepted = await run(['check', '--offline', '--base', 'git:HEAD', 'pylock.toml', '--format', 'json'], ws.dir);
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ policy: 'pyproject.toml', summary: { allowed: 1, error: 0 } });
    ws.file('pyproject.toml', allow('2000-01-01'));
    const expired = await run(['check', '--offline', '--base', 'git:HEAD', 'pylock.toml', '--format', 'json'], ws.dir);
    expect(expired.code).toBe(1);
    expect(JSON.parse(expired.stdout).findings.map((f: { category: string; path: string; line: number }) => [f.category, f.path, f.line])).toEqual([
      ['publisher-changed', 'pylock.toml', 3],
      ['allowance-expired', 'pyproject.toml', 3],
    ]);
    ws.file('pyproject.toml', '[tool.pylock-attest]\nrequire-attestation = ["*"]\n');
    const typo = await run(['check', '--offline', 'pylock.toml'], ws.dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('pyproject.toml:2');
    ws.file('pyproject.toml', '');
  });

  it('a lockfile added since the base revision: every package is new (git:<rev> only)', async () => {
    ws.file('pylock.dev.toml', lock(undefined));
    const r = await run(['check', '--offline', '--base', 'git:HEAD', 'pylock.dev.toml', '--format', 'json'], ws.dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ lockfiles: [{ baseAbsent: true }], findings: [{ category: 'new-package-unattested', severity: 'info' }] });
    expect((await run(['diff', 'git:HEAD:pylock.dev.toml', 'pylock.dev.toml'], ws.dir)).code).toBe(2);
  });

  it('usage and input errors exit 2', async () => {
    expect((await run(['check', '--offline', '--base', 'git:no-such-rev', 'pylock.toml'], ws.dir)).code).toBe(2);
    expect((await run(['check', '--offline', '--base', 'pylock.toml', 'pylock.toml', 'pylock.dev.toml'], ws.dir)).code).toBe(2);
    expect((await run(['check', '--offline', 'missing.toml'], ws.dir)).code).toBe(2);
    expect((await run(['diff', 'pylock.toml'], ws.dir)).code).toBe(2);
    expect((await run(['diff', 'pylock.toml', 'pylock.toml', '--format', 'xml'], ws.dir)).code).toBe(2);
    expect((await run(['check', '--offline', '--policy', 'nope.toml', 'pylock.toml'], ws.dir)).code).toBe(2);
  });
});

describe('check --offline --base git:HEAD as pre-commit runs it, at the edges', () => {
  const ws = tempDir('pylock-attest-edges-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  afterAll(() => ws.cleanup());

  it("a repository's first commit (no HEAD yet) has no baseline instead of failing with exit 2", async () => {
    ws.file('pylock.toml', lock('acme/demo'));
    const r = await run(['check', '--offline', '--base', 'git:HEAD', 'pylock.toml'], ws.dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a required package that records no identity fails even when it did not change since the base', async () => {
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.invalid');
    ws.file('pylock.toml', lock(undefined));
    git('add', 'pylock.toml');
    git('commit', '-q', '-m', 'lock');
    ws.file('policy.toml', '[tool.pylock-attest]\nrequire-attestations = ["*"]\n');
    const r = await run(['check', '--offline', '--base', 'git:HEAD', '--policy', 'policy.toml', 'pylock.toml', '--format', 'json'], ws.dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const categories = JSON.stringify(report).match(/new-package-unattested/g) ?? [];
    expect(categories.length).toBeGreaterThan(0);
  });
});
