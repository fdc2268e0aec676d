import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_UPDATED, refresh } from '../src/app/refresh.js';
import { SUMMARY_MAX_CHARS, code, renderRefreshSummary } from '../src/app/refresh-summary.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, type MintPublisher, type MockSigstore } from './support/mint.ts';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const SHA = { demo: 'ab'.repeat(32), other: 'cd'.repeat(32), bare: 'ef'.repeat(32) };
const HOME: MintPublisher = { kind: 'GitHub', repository: 'acme/demo', workflow: 'release.yml' };
const ELSEWHERE: MintPublisher = { kind: 'GitHub', repository: 'mallory/demo', workflow: 'release.yml' };

function lockText(names: Array<keyof typeof SHA>): string {
  const blocks = names.map(
    (n) => `[[packages]]\nname = "${n}"\nversion = "1.0"\nsdist = { url = "https://files.example/${n}-1.0.tar.gz", hashes = { sha256 = "${SHA[n]}" } }\n`,
  );
  return `lock-version = "1.0"\ncreated-by = "test"\n\n${blocks.join('\n')}`;
}

describe('refresh: the scheduled job', () => {
  const ws = tempDir();
  let sigstore: MockSigstore;
  let root: string;
  const indexes: FakeIndex[] = [];

  async function file(project: keyof typeof SHA, publisher: MintPublisher | null): Promise<FakeFile> {
    const filename = `${project}-1.0.tar.gz`;
    const sha256 = SHA[project];
    if (publisher === null) return { project, version: '1.0', filename, sha256, provenance: null };
    const attestation = await sigstore.mint({ filename, sha256, publisher });
    return { project, version: '1.0', filename, sha256, provenance: { version: 1, attestation_bundles: [{ publisher, attestations: [attestation] }] } };
  }

  async function index(files: FakeFile[]): Promise<FakeIndex> {
    const idx = await startFakeIndex({ files });
    indexes.push(idx);
    return idx;
  }

  beforeAll(async () => {
    sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
  });
  afterAll(async () => {
    await Promise.all(indexes.map((i) => i.close()));
    ws.cleanup();
  });

  it('exit 4 when identities are written, 0 when nothing changed, 1 when a recorded identity changed', async () => {
    const good = await index([await file('demo', HOME), await file('other', HOME), await file('bare', null)]);
    const path = ws.file('pylock.toml', lockText(['demo', 'other', 'bare']));
    const opts = { indexUrl: good.simpleUrl, trustedRoot: root, cacheDir: ws.dir };

    const first = await refresh([path], opts);
    expect(first).toMatchObject({ schema: 'pylock-attest/refresh@2', outcome: 'updated', exitCode: EXIT_UPDATED, updated: [path] });
    const written = readFileSync(path, 'utf8');
    expect(written).toContain('repository = "acme/demo"');

    const second = await refresh([path], opts);
    expect(second).toMatchObject({ outcome: 'unchanged', exitCode: 0, updated: [] });
    expect(readFileSync(path, 'utf8')).toBe(written);

    // demo is re-published from another repository; a new package appears in the same run.
    const moved = await index([await file('demo', ELSEWHERE), await file('other', HOME), await file('bare', HOME)]);
    const third = await refresh([path], { ...opts, indexUrl: moved.simpleUrl });
    expect(third).toMatchObject({ outcome: 'needs-human', exitCode: 1, updated: [path] });
    const findings = third.lockfiles[0]!.findings;
    expect(findings.map((f) => [f.category, f.subkind, f.package])).toEqual([['publisher-changed', 'repository', 'demo']]);
    // The safe addition was written; the changed identity was kept as recorded.
    const after = readFileSync(path, 'utf8');
    expect(after).not.toContain('mallory');
    expect(after.match(/repository = "acme\/demo"/g)).toHaveLength(3);

    const summary = renderRefreshSummary(third);
    expect(summary).toMatch(/^## pylock-attest refresh: findings need a human\n/);
    expect(summary).toContain('### Needs a human (1)');
    expect(summary).toContain('`publisher-changed/repository`');
    expect(summary).toContain('`pylock-attest explain publisher-changed`');
    expect(summary).toContain('### Identities written (1)');
  });

  it('exit 3, "failed", and nothing written when the index cannot answer', async () => {
    const broken = await index([await file('demo', HOME)]);
    broken.setFault(() => ({ status: 403 })); // not retried: fast
    const text = lockText(['demo']);
    const path = ws.file('unavailable.pylock.toml', text);
    const result = await refresh([path], { indexUrl: broken.simpleUrl, trustedRoot: root, cacheDir: ws.dir, timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3, updated: [] });
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(renderRefreshSummary(result)).toMatch(/^## pylock-attest refresh: the run could not complete/);
  });

  it('exit 2, "failed", for an unreadable lockfile', async () => {
    const result = await refresh([ws.dir + '/missing.toml'], { trustedRoot: root, cacheDir: ws.dir });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 2 });
    expect(renderRefreshSummary(result)).toContain('`LOCK_READ`');
  });

  it('the built CLI: --summary writes the markdown, --format json carries outcome and exit code', async () => {
    const good = await index([await file('demo', HOME)]);
    const path = ws.file('cli.pylock.toml', lockText(['demo']));
    const summary = `${ws.dir}/summary.md`;
    const run = await cli(['refresh', path, '--index-url', good.simpleUrl, '--trusted-root', root, '--summary', summary, '--format', 'json'], ws.dir);
    expect(run.code).toBe(EXIT_UPDATED);
    expect(JSON.parse(run.stdout)).toMatchObject({ schema: 'pylock-attest/refresh@2', outcome: 'updated', exitCode: 4 });
    expect(readFileSync(summary, 'utf8')).toMatch(/^## pylock-attest refresh: attestation identities updated\n/);
    const again = await cli(['refresh', path, '--index-url', good.simpleUrl, '--trusted-root', root], ws.dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('refresh: unchanged (exit 0)');
    expect((await cli(['refresh', path, '--summary', `${ws.dir}/no/such/dir/s.md`, '--index-url', good.simpleUrl, '--trusted-root', root], ws.dir)).code).toBe(
      2,
    );
  });
});

describe('the refresh summary is safe to paste into a PR', () => {
  it('keeps hostile package names and identities inside code spans', () => {
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(code('@org/team <img src=x onerror=alert(1)> [x](http://evil)')).toBe('`@org/team <img src=x onerror=alert(1)> [x](http://evil)`');
    expect(code('line\nbreak | pipe')).toBe('`line\\u000abreak | pipe`');
    expect(code('a|b', 300, true)).toBe('`a\\|b`');
  });

  it("stays under GitHub's PR body limit however many packages there are", () => {
    const pkg = (i: number) => ({
      name: `pkg-${i}`,
      version: '1.0',
      line: i,
      status: 'verified' as const,
      files: [],
      identities: [{ kind: 'GitHub', repository: `org/repo-${i}`, workflow: 'release.yml' }],
      unverifiedKeys: [[]],
      recorded: undefined,
      action: 'added' as const,
      findings: [],
    });
    const packages = Array.from({ length: 5000 }, (_, i) => pkg(i));
    const result = {
      schema: 'pylock-attest/refresh@2' as const,
      outcome: 'updated' as const,
      exitCode: 4 as const,
      updated: ['pylock.toml'],
      verification: true,
      requests: 5000,
      lockfiles: [{ path: 'pylock.toml', packages, findings: [], warnings: [], changed: true, written: true }],
    };
    const text = renderRefreshSummary(result);
    expect(text.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    expect(text).toContain('… and ');
  });
});

function cli(args: string[], cacheDir: string) {
  return runCli(args, { env: { PYLOCK_ATTEST_CACHE_DIR: cacheDir } });
}
