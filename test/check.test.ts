import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src/app/check.js';
import type { Finding } from '../src/core/outcome.js';
import { EMPTY_POLICY, type Policy } from '../src/core/policy.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, type MintPublisher, type MockSigstore } from './support/mint.ts';
import { BIN, runCli, runProcess } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const TRACE = resolve(import.meta.dirname, 'support/module-trace.ts');

type Id = MintPublisher & { environment?: string };
interface Pkg {
  name: string;
  /** Files: sdist and optionally a wheel; each with the identity the index proves (null: no provenance). */
  files: Array<{ wheel?: boolean; proves: Id | null; lockSha?: string; attestSha?: string }>;
  recorded?: Id[];
}

const sha = (name: string, i: number) => Buffer.from(`${name}#${i}`).toString('hex').padEnd(64, '0').slice(0, 64);
const filename = (p: Pkg, i: number) => (p.files[i]!.wheel ? `${p.name}-1.0-py3-none-any.whl` : `${p.name}-1.0.tar.gz`);
const gh = (repository: string): Id => ({ kind: 'GitHub', repository, workflow: 'release.yml' });

function lockText(pkgs: Pkg[]): string {
  const blocks = pkgs.map((p) => {
    const files = p.files.map((f, i) => ({ f, name: filename(p, i), sha: f.lockSha ?? sha(p.name, i) }));
    const sdist = files.find((x) => !x.f.wheel);
    const wheels = files.filter((x) => x.f.wheel);
    const lines = ['[[packages]]', `name = "${p.name}"`, 'version = "1.0"'];
    if (sdist) lines.push(`sdist = { url = "https://files.example/${sdist.name}", hashes = { sha256 = "${sdist.sha}" } }`);
    if (wheels.length)
      lines.push(`wheels = [${wheels.map((w) => `{ url = "https://files.example/${w.name}", hashes = { sha256 = "${w.sha}" } }`).join(', ')}]`);
    for (const id of p.recorded ?? []) lines.push('', '[[packages.attestation-identities]]', ...Object.entries(id).map(([k, v]) => `${k} = "${v}"`));
    return lines.join('\n') + '\n';
  });
  return `lock-version = "1.0"\ncreated-by = "test"\n\n${blocks.join('\n')}`;
}

async function indexFiles(sigstore: MockSigstore, pkgs: Pkg[]): Promise<FakeFile[]> {
  const out: FakeFile[] = [];
  for (const p of pkgs) {
    for (const [i, f] of p.files.entries()) {
      const file = { project: p.name, version: '1.0', filename: filename(p, i), sha256: sha(p.name, i) };
      if (f.proves === null) {
        out.push({ ...file, provenance: null });
        continue;
      }
      const { environment = null, ...publisher } = f.proves;
      const attestation = await sigstore.mint({ filename: file.filename, sha256: f.attestSha ?? file.sha256, publisher: publisher as MintPublisher });
      out.push({ ...file, provenance: { version: 1, attestation_bundles: [{ publisher: { ...publisher, environment }, attestations: [attestation] }] } });
    }
  }
  return out;
}

const PKGS: Pkg[] = [
  { name: 'agree', files: [{ proves: gh('acme/agree') }], recorded: [gh('acme/agree')] },
  { name: 'moved', files: [{ proves: gh('evil/moved') }], recorded: [gh('acme/moved')] },
  { name: 'stripped', files: [{ proves: null }], recorded: [gh('acme/stripped')] },
  { name: 'fresh', files: [{ proves: { ...gh('acme/fresh'), environment: 'pypi' } }] },
  { name: 'tampered', files: [{ proves: gh('acme/tampered'), attestSha: 'f'.repeat(64) }], recorded: [gh('acme/tampered')] },
  { name: 'swapped', files: [{ proves: gh('acme/swapped'), lockSha: 'e'.repeat(64) }], recorded: [gh('acme/swapped')] },
  { name: 'partial', files: [{ proves: gh('acme/partial') }, { wheel: true, proves: null }], recorded: [gh('acme/partial')] },
  { name: 'mixed', files: [{ proves: gh('acme/mixed') }, { wheel: true, proves: gh('other/mixed') }], recorded: [gh('acme/mixed'), gh('other/mixed')] },
  { name: 'plain', files: [{ proves: null }] },
];

const brief = (f: Finding) => [f.category, f.package, f.severity, ...(f.subkind ? [f.subkind] : [])];

describe('check, online against the loopback index with minted attestations', () => {
  const ws = tempDir();
  let sigstore: MockSigstore;
  let index: FakeIndex;
  let root: string;
  let lock: string;
  let text: string;

  beforeAll(async () => {
    sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    index = await startFakeIndex({ files: await indexFiles(sigstore, PKGS) });
    text = lockText(PKGS);
    lock = ws.file('pylock.toml', text);
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  const online = (extra: Record<string, unknown> = {}) => ({
    indexUrl: index.simpleUrl,
    trustedRoot: root,
    provenanceSource: 'simple' as const,
    cacheDir: ws.dir,
    policy: EMPTY_POLICY,
    now: NOW,
    ...extra,
  });

  it('reports every disagreement between the lockfile and the index, and never writes', async () => {
    const result = await check([lock], online());
    expect(result.findings.map(brief)).toEqual([
      ['index-disagrees', 'moved', 'error', 'repository'],
      ['index-disagrees', 'stripped', 'error'],
      ['not-enriched', 'fresh', 'error'],
      ['verification-failed', 'tampered', 'error'],
      ['index-disagrees', 'swapped', 'error'],
      ['partial-attestation', 'partial', 'error'],
      ['mixed-publishers', 'mixed', 'warning'],
    ]);
    expect(result).toMatchObject({ schema: 'pylock-attest/findings@1', command: 'check', online: true, exitCode: 1 });
    expect(result.requests).toBeGreaterThan(0);
    const moved = result.findings.find((f) => f.package === 'moved')!;
    expect(moved).toMatchObject({ path: lock, line: text.split('\n').indexOf('name = "moved"'), old: [gh('acme/moved')], new: [gh('evil/moved')] });
    expect(result.findings.find((f) => f.package === 'fresh')).toMatchObject({ old: [], new: [{ ...gh('acme/fresh'), environment: 'pypi' }] });
    expect(result.findings.find((f) => f.package === 'swapped')).toMatchObject({ file: 'swapped-1.0.tar.gz' });
    expect(readFileSync(lock, 'utf8')).toBe(text);
  });

  it('with a base it also diffs; require-attestations makes unattested packages errors (not-enriched wins over unattested)', async () => {
    const base = ws.file('base.toml', text.replace('repository = "acme/agree"', 'repository = "older/agree"'));
    const policy: Policy = { ...EMPTY_POLICY, requireAttestations: ['plain', 'fresh'] };
    const withBase = await check([lock], online({ base }));
    expect(withBase.lockfiles[0]).toMatchObject({ path: lock, base });
    expect(withBase.findings.map(brief)).toContainEqual(['publisher-changed', 'agree', 'error', 'repository']);
    const required = await check([lock], online({ policy }));
    const cats = required.findings.filter((f) => f.package === 'plain' || f.package === 'fresh').map(brief);
    expect(cats).toEqual([
      ['not-enriched', 'fresh', 'error'],
      ['new-package-unattested', 'plain', 'error'],
    ]);
  });

  it('an allowance accepts one disagreement; the rest still fail', async () => {
    const policy: Policy = {
      ...EMPTY_POLICY,
      allow: [
        {
          package: 'moved',
          from: { repository: 'acme/moved' },
          to: { repository: 'evil/moved' },
          reason: 'handover',
          expires: '2026-03-01',
          source: 'p.toml',
          line: 4,
        },
      ],
    };
    const result = await check([lock], online({ policy }));
    expect(result.findings.find((f) => f.package === 'moved')).toMatchObject({ allowed: true, allowance: { reason: 'handover' } });
    expect(result.summary).toMatchObject({ allowed: 1, error: 5 });
    const later = await check([lock], online({ policy, now: new Date('2026-03-02') }));
    expect(later.findings.filter((f) => f.category === 'allowance-expired')).toHaveLength(1);
    expect(later.summary.allowed).toBe(0);
  });

  it('partial attestation is an error naming the file; an allowance for that file accepts it, and then enrich would record (not-enriched)', async () => {
    const result = await check([lock], online());
    expect(result.findings.find((f) => f.package === 'partial')).toMatchObject({
      category: 'partial-attestation',
      severity: 'error',
      file: 'partial-1.0-py3-none-any.whl',
    });
    // Without a recorded identity, a partial package is not "not-enriched": enrich would not record it.
    const bare = ws.file(
      'partial-bare.toml',
      text.replace(/\n\[\[packages\.attestation-identities\]\]\nkind = "GitHub"\nrepository = "acme\/partial"\nworkflow = "release.yml"/, ''),
    );
    expect(readFileSync(bare, 'utf8')).not.toContain('acme/partial');
    const unaccepted = await check([bare], online());
    expect(unaccepted.findings.filter((f) => f.package === 'partial').map(brief)).toEqual([['partial-attestation', 'partial', 'error']]);
    const allow = {
      package: 'partial',
      category: 'partial-attestation' as const,
      file: 'partial-1.0-py3-*.whl',
      reason: 'wheel built by hand',
      expires: '2026-03-01',
      source: 'p.toml',
      line: 9,
    };
    const accepted = await check([bare], online({ policy: { ...EMPTY_POLICY, allow: [allow] } }));
    expect(accepted.findings.filter((f) => f.package === 'partial').map((f) => [f.category, f.allowed ?? false])).toEqual([
      ['not-enriched', false],
      ['partial-attestation', true],
    ]);
  });

  it('the index failing is exit 3 (unavailable), never a pass', async () => {
    index.setFault((req) => (req.path.includes('/agree/') ? { status: 403, body: '{"message":"disabled"}' } : undefined));
    try {
      const result = await check([lock], online({ timeoutMs: 2000 }));
      expect(result.exitCode).toBe(3);
      expect(result.findings.map(brief)).toContainEqual(['unavailable', 'agree', 'error']);
    } finally {
      index.setFault(undefined);
    }
  });

  it('check --offline makes no request at all: the index counts none', async () => {
    const before = index.requests.length;
    const base = ws.file('base-offline.toml', text.replace('repository = "acme/moved"', 'repository = "older/moved"'));
    const result = await check([lock], { offline: true, base, indexUrl: index.simpleUrl, trustedRoot: root, policy: EMPTY_POLICY, now: NOW });
    expect(index.requests.length).toBe(before);
    expect(result).toMatchObject({ online: false, requests: 0, exitCode: 1 });
    expect(result.findings.map(brief)).toEqual([['publisher-changed', 'moved', 'error', 'repository']]);
    expect(result.trustRoot).toBeUndefined();
  });

  it('input errors are per lockfile (exit 2); a base that names one file cannot serve two lockfiles', async () => {
    const broken = ws.file('broken.toml', 'lock-version = "1.0"\n[[packages]]\nname =\n');
    const result = await check([lock, broken], { offline: true, policy: EMPTY_POLICY, now: NOW });
    expect(result.exitCode).toBe(2);
    expect(result.lockfiles[1]!.error!.code).toBe('LOCK_PARSE');
    await expect(check([lock, lock], { offline: true, base: lock, policy: EMPTY_POLICY })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(check([], { offline: true })).rejects.toMatchObject({ code: 'USAGE' });
  });

  describe('the built CLI, offline, behind a proxy that refuses every connection', () => {
    let proxy: string;
    beforeAll(async () => {
      // A port nothing listens on: bind, note it, close. Any connection through the "proxy" is refused.
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as { port: number };
      await new Promise<void>((r) => server.close(() => r()));
      proxy = `http://127.0.0.1:${port}`;
    });

    const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: ws.dir, env: { HOME: ws.dir, ...env } });

    it('gives the same report with and without the proxy, and the index sees no request', async () => {
      const base = ws.file('base-cli.toml', text.replace('repository = "acme/moved"', 'repository = "older/moved"'));
      const args = ['check', '--offline', '--base', base, '--index-url', index.simpleUrl, '--trusted-root', root, '--format', 'json', lock];
      const before = index.requests.length;
      const direct = await run(args);
      const proxied = await run(args, { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, NO_PROXY: '', no_proxy: '' });
      expect(index.requests.length).toBe(before);
      expect(direct.code).toBe(1);
      expect(proxied.code).toBe(1);
      expect(proxied.stderr).toBe('');
      const strip = (s: string) => ({ ...JSON.parse(s), today: 'x' });
      expect(strip(proxied.stdout)).toEqual(strip(direct.stdout));
      expect(JSON.parse(direct.stdout)).toMatchObject({ requests: 0, online: false, findings: [{ category: 'publisher-changed', package: 'moved' }] });
    });

    it.skipIf(!existsSync(TRACE))('loads no network or verification code at all', async () => {
      const out = ws.file('trace.json', '[]');
      const args = ['--import', TRACE, BIN, 'check', '--offline', '--base', lock, lock];
      const r = await runProcess(process.execPath, args, { cwd: ws.dir, env: { PATH: process.env['PATH'] ?? '', HOME: ws.dir, MODULE_TRACE_OUT: out } });
      expect(r.code, r.stderr).toBe(0);
      const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
      expect(loaded.some((u) => u.includes('/dist/app/check.js'))).toBe(true);
      expect(loaded.filter((u) => /undici|sigstore|\/dist\/(net|verify)\/|evaluate|run-context/.test(u))).toEqual([]);
    });

    it('control: the same proxy does stop an online check (so the offline run really had nothing to send)', async () => {
      const port = new URL(proxy).port;
      const r = await run(['check', '--index-url', index.simpleUrl, '--trusted-root', root, '--no-cache', '--deadline', '3', '--format', 'json', lock], {
        HTTPS_PROXY: proxy,
        HTTP_PROXY: proxy,
        NO_PROXY: '',
      });
      expect(r.code).toBe(3);
      expect(r.stdout).toContain(`127.0.0.1:${port}`);
    });
  });
});
