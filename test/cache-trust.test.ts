/**
 * The cache as a trust boundary (docs/security.md, "The cache and the trust
 * boundary"), attacked through the built CLI with verification on.
 *
 * The attacker can write the cache directory (a CI cache restored from a
 * branch they push to) but cannot read the key in the state directory.
 * They know every public input: the attestation, the file, the identity,
 * the production trusted root's digest, our code (so every record key and
 * the store's format). The index serves attestations minted by a mock
 * Sigstore the production root does not trust: without a forgery, the run
 * says `invalid`. Every case: no `verified`, no identity written.
 *
 * TUF is never reached: HTTPS_PROXY points at a closed loopback port, so the
 * refresh fails at once and the run falls back to the embedded root (as it
 * would offline); the index itself is plain http on loopback, not proxied.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutcomeCache } from '../src/app/outcome-cache.js';
import { KEY_FILE, loadOrCreateKey } from '../src/io/cache-access.js';
import { CacheStore } from '../src/io/cache-store.js';
import { loadTrustRoot } from '../src/verify/trust.js';
import { embeddedSeed } from '../src/verify/tuf-refresh.js';
import { VerdictCache } from '../src/verify/verdict-cache.js';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, releaseProvenance, type MockSigstore } from './support/mint.ts';
import { BUILT, NOT_BUILT, runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const sha256 = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const FILE = { project: 'victim', version: '1.0', filename: 'victim-1.0.tar.gz', sha256: sha256('the bytes of victim 1.0') };
const HONEST = { kind: 'GitHub', repository: 'o/victim', workflow: 'release.yml' };
const EVIL = { kind: 'GitHub', repository: 'attacker/evil', workflow: 'release.yml' };
const LOCK = `lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "victim"\nversion = "1.0"\nsdist = { url = "https://files.example/${FILE.filename}", hashes = { sha256 = "${FILE.sha256}" } }\n`;
const EMBEDDED_DIGEST = sha256((await embeddedSeed()).trustedRoot);
const VERIFIED = { ok: true as const, predicateType: 'https://docs.pypi.org/attestations/publish/v1', certificate: { issuer: 'https://token.actions.githubusercontent.com', san: 'x' }, unverifiedIdentityKeys: [], signedAt: '2025-01-01T00:00:00.000Z' };
const YEAR = 365 * 24 * 3600_000;

interface Report {
  exitCode: number;
  requests: number;
  trustRoot?: string;
  lockfiles: Array<{ packages: Array<{ status: string; identities: unknown[] }> }>;
}

describe.skipIf(!BUILT)(`the cache as a trust boundary (built CLI) ${BUILT ? '' : NOT_BUILT}`, () => {
  const ws = tempDir('pylock-attest-cache-trust-');
  let attacker: MockSigstore;
  let index: FakeIndex;
  let provenanceBody: Buffer;
  let lock: string;
  let noTuf: string;
  let n = 0;

  beforeAll(async () => {
    attacker = await createMockSigstore();
    const provenance = await releaseProvenance(attacker, FILE);
    provenanceBody = Buffer.from(JSON.stringify(provenance));
    index = await startFakeIndex({ files: [{ ...FILE, provenance }] });
    lock = ws.file('pylock.toml', LOCK);
    noTuf = await closedPort();
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  const fresh = (name = 'cache'): string => join(ws.dir, `${name}-${n++}`);
  const state = (): string => join(ws.dir, `state-${n++}`);

  async function enrich(cacheDir: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ code: number | null; report: Report; stderr: string }> {
    const run = await runCli(['enrich', lock, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--format', 'json', '--dry-run', ...extra], { env: { HTTPS_PROXY: noTuf, ...env } });
    return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
  }

  const statuses = (r: Report): string[] => r.lockfiles[0]!.packages.map((p) => p.status);
  const identities = (r: Report): unknown[] => r.lockfiles[0]!.packages.flatMap((p) => p.identities);

  /** Not verified: invalid (the mock signature), exit 1, nothing to write. */
  function expectRefused(run: { code: number | null; report: Report }): void {
    expect(statuses(run.report)).toEqual(['invalid']);
    expect(identities(run.report)).toEqual([]);
    expect(run.code).toBe(1);
  }

  it('control: without any forgery the mock-signed attestation is invalid against the production root', async () => {
    const run = await enrich(fresh());
    expectRefused(run);
    expect(run.report.trustRoot).toBe('embedded');
    expect(run.stderr).toMatch(/warning: Sigstore trusted root: using the embedded copy \(TUF refresh failed/);
  });

  it('a trusted_root.json and a tuf/root.json planted in the cache directory are never read, with or without --no-cache', async () => {
    const cacheDir = fresh();
    mkdirSync(join(cacheDir, 'tuf', 'tuf-repo-cdn.sigstore.dev'), { recursive: true, mode: 0o700 });
    writeFileSync(join(cacheDir, 'trusted_root.json'), JSON.stringify(attacker.trustedRoot));
    writeFileSync(join(cacheDir, 'tuf', 'tuf-repo-cdn.sigstore.dev', 'root.json'), '{"signed": {"_type": "root"}}');
    const before = listAll(cacheDir);
    const [cached, uncached] = await Promise.all([enrich(cacheDir), enrich(cacheDir, ['--no-cache'])]);
    for (const run of [cached, uncached]) {
      expectRefused(run);
      expect(run.report.trustRoot).toBe('embedded');
    }
    const noCache = fresh();
    const alone = await enrich(noCache, ['--no-cache']);
    expectRefused(alone);
    expect(existsSync(noCache)).toBe(false); // --no-cache: not even created
    expect(listAll(cacheDir).filter((f) => before.includes(f))).toEqual(before); // the planted files: never touched
  });

  it('a trusted root, verdict and outcome forged with every public input but not our key are ignored', async () => {
    const cacheDir = fresh();
    const forger = randomBytes(32);
    // The trusted root, kept as a TUF refresh keeps it.
    const trust = new CacheStore(join(cacheDir, 'trust-v2'), forger, { purpose: 'trust' });
    await loadTrustRoot({ offline: false, store: trust, refresh: async () => Buffer.from(JSON.stringify(attacker.trustedRoot)) });
    trust.close();
    // A positive verdict for exactly this attestation, file, identity and (production) root.
    const verdicts = new VerdictCache(new CacheStore(join(cacheDir, 'verdicts-v2'), forger, { purpose: 'verdicts' }), EMBEDDED_DIGEST);
    const attestation = (JSON.parse(provenanceBody.toString()) as { attestation_bundles: Array<{ attestations: unknown[] }> }).attestation_bundles[0]!.attestations[0];
    await verdicts.put(verdicts.key(attestation, HONEST, FILE, `${sha256(provenanceBody)}/0/0`), VERIFIED);
    // A verified outcome naming the attacker's identity, valid for a year.
    const store = new CacheStore(join(cacheDir, 'outcomes-v2'), forger, { purpose: 'outcomes' });
    const outcomes = new OutcomeCache(store, { verify: true, trustDigest: EMBEDDED_DIGEST, mode: 'auto', offline: false });
    const query = { indexUrl: index.simpleUrl, project: FILE.project, version: FILE.version, filename: FILE.filename, sha256: FILE.sha256 };
    await outcomes.put(outcomes.key(query), { filename: FILE.filename, sha256: FILE.sha256, status: 'verified', identities: [EVIL] }, Date.now() + YEAR);
    store.close();
    const run = await enrich(cacheDir);
    expectRefused(run);
    expect(run.report.trustRoot).toBe('embedded');
    expect(run.report.requests).toBeGreaterThan(0); // the outcome was not trusted: the index was asked
  });

  it('a record spliced into a genuine segment (a well-formed block over its bytes, a MAC not ours) is ignored', async () => {
    const cacheDir = fresh();
    expect((await enrich(cacheDir, ['--no-verify'])).report.lockfiles[0]!.packages[0]!.identities).toEqual([HONEST]);
    // The attacker appends the provenance with their identity to the genuine payload file, and
    // an index block pointing the provenance's key at it, under a MAC made with their own key.
    const http = join(cacheDir, 'http-v2');
    const segment = readdirSync(http).find((f) => f.endsWith('.idx'))!.slice(0, -4);
    const forged = Buffer.from(provenanceBody.toString().replaceAll('o/victim', 'attacker/evil'));
    const provenanceKey = keyServing(http, provenanceBody);
    spliceRecord(http, segment, provenanceKey, forged);
    rmSync(join(cacheDir, 'outcomes-v2'), { recursive: true, force: true }); // deleting is within their reach too
    const run = await enrich(cacheDir, ['--no-verify']);
    expect(identities(run.report)).toEqual([HONEST]);
  });

  it('a genuine cache restored on a fresh runner (another key) is not used: the index is asked and everything is verified again', async () => {
    const cacheDir = fresh();
    const root = ws.file(`root-${n++}.json`, JSON.stringify(attacker.trustedRoot)); // verifiable this time
    const first = await runCli(['enrich', lock, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--trusted-root', root, '--format', 'json', '--dry-run'], { env: { PYLOCK_ATTEST_STATE_DIR: state() } });
    const second = await runCli(['enrich', lock, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--trusted-root', root, '--format', 'json', '--dry-run'], { env: { PYLOCK_ATTEST_STATE_DIR: state() } });
    const [a, b] = [JSON.parse(first.stdout) as Report, JSON.parse(second.stdout) as Report];
    expect(statuses(a)).toEqual(['verified']);
    expect(statuses(b)).toEqual(['verified']);
    expect(b.requests).toBe(a.requests); // nothing from the restored cache answered
    expect(a.requests).toBeGreaterThan(0);
  });

  describe('a cache directory other users can write is not used (mode bits: as root, permissions alone would never stop a write)', () => {
    it.each([
      ['group-writable', 0o770],
      ['world-writable', 0o777],
    ])('%s: a warning, nothing read or written there; --offline is a usage error', async (_name, mode) => {
      const cacheDir = fresh();
      mkdirSync(cacheDir, { mode: 0o700 });
      chmodSync(cacheDir, mode);
      const run = await enrich(cacheDir);
      expectRefused(run);
      expect(run.stderr).toContain(`warning: not using the cache: cache directory: other users can write ${cacheDir} (mode 0${mode.toString(8)})`);
      expect(run.stderr).toContain(`chmod go-w ${cacheDir}`);
      expect(readdirSync(cacheDir)).toEqual([]);
      const offline = await runCli(['enrich', lock, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--offline', '--format', 'json']);
      expect(offline.code).toBe(2);
      // JSON keeps the error as data on stdout (issue 12's streams).
      expect(JSON.parse(offline.stdout).error.message).toMatch(/--offline answers from the cache, and the cache cannot be used/);
    });

    it.skipIf(process.geteuid?.() !== 0)('owned by another user (needs root to chown)', async () => {
      const cacheDir = fresh();
      mkdirSync(cacheDir, { mode: 0o700 });
      chownSync(cacheDir, 4242, 4242);
      const run = await enrich(cacheDir);
      expect(run.stderr).toContain(`belongs to another user (uid 4242)`);
      expect(readdirSync(cacheDir)).toEqual([]);
    });

    it('not there yet: judged by the directory it would be created in (a sticky one is fine)', async () => {
      const open = join(ws.dir, `open-${n++}`);
      const sticky = join(ws.dir, `sticky-${n++}`);
      for (const [dir, mode] of [[open, 0o777], [sticky, 0o1777]] as const) {
        mkdirSync(dir);
        chmodSync(dir, mode);
      }
      const refused = await enrich(join(open, 'cache'));
      expect(refused.stderr).toContain(`it would be created in ${open}, which other users can write (mode 0777)`);
      expect(existsSync(join(open, 'cache'))).toBe(false);
      const used = await enrich(join(sticky, 'cache'));
      expect(used.stderr).not.toContain('not using the cache');
      expect(statSync(join(sticky, 'cache')).mode & 0o777).toBe(0o700);
    });
  });

  describe('the key', () => {
    it('is made once, 0600 in a 0700 directory; concurrent first runs agree on it', async () => {
      const dir = state();
      const script = `import { loadOrCreateKey } from ${JSON.stringify(resolve(import.meta.dirname, '../dist/io/cache-access.js'))}; process.stdout.write(loadOrCreateKey(${JSON.stringify(dir)}).toString('hex'));`;
      const keys = await Promise.all(Array.from({ length: 6 }, () => node(['--input-type=module', '-e', script])));
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual([KEY_FILE]); // no temporary file left behind
    });

    const spoilers: Array<[name: string, spoil: (file: string) => void, message: RegExp]> = [
      ['readable by others', (file) => chmodSync(file, 0o644), /other users can read or write the cache key .* \(mode 0644\)/],
      ['a symbolic link', (file) => (rmSync(file), symlinkSync('/dev/null', file)), /the cache key .* is a symbolic link/],
      ['the wrong size', (file) => writeFileSync(file, 'short'), /has 5 bytes, not 32/],
    ];
    if (process.geteuid?.() === 0) spoilers.push(['owned by another user (as root: chown)', (file) => chownSync(file, 4242, 4242), /belongs to another user \(uid 4242\)/]);
    it.each(spoilers)('%s: refused, and the cache is not used', async (_name, spoil, message) => {
      const cacheDir = fresh();
      const stateDir = state();
      loadOrCreateKey(stateDir);
      spoil(join(stateDir, KEY_FILE));
      const run = await enrich(cacheDir, [], { PYLOCK_ATTEST_STATE_DIR: stateDir });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('warning: not using the cache');
      expectRefused(run);
      expect(listAll(cacheDir)).toEqual([]);
    });

    it('inside the cache directory (it would travel with a restored cache): refused', async () => {
      const cacheDir = fresh();
      const run = await enrich(cacheDir, [], { PYLOCK_ATTEST_STATE_DIR: join(cacheDir, 'state') });
      expect(run.stderr).toMatch(/the cache key's directory .* is inside the cache directory/);
      expect(existsSync(join(cacheDir, 'state'))).toBe(false);
    });
  });
});

/** Every file under `dir`, relative. */
function listAll(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : [];
}

/** The key whose payload is `body` (the provenance answer) in an HTTP store, found by reading the files as an attacker can. */
function keyServing(dir: string, body: Buffer): string {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.idx'))) {
    const log = readFileSync(join(dir, name.replace(/\.idx$/, '.log')));
    const idx = readFileSync(join(dir, name), 'latin1');
    for (const line of idx.split('\n')) {
      const [key, , offset, length] = line.split(' ');
      if (key?.length !== 64 || key.startsWith('#') || offset === undefined || length === undefined) continue;
      const payload = log.subarray(Number(offset), Number(offset) + Number(length));
      if (payload.includes(body)) return key;
    }
  }
  throw new Error('no record holds the provenance');
}

/** What an attacker without the key can do best: a well-formed block, right sha256, MAC with some other key. */
function spliceRecord(dir: string, segment: string, key: string, payload: Buffer): void {
  const log = join(dir, `${segment}.log`);
  const offset = statSync(log).size;
  appendFileSync(log, payload);
  const body = `${key} ${Date.now() + 1000} ${offset} ${payload.length}\n`;
  const header = `#${randomBytes(32).toString('hex')} ${body.length} ${offset} ${offset + payload.length} ${sha256(payload)}`;
  appendFileSync(join(dir, `${segment}.idx`), `${header}\n${body}`);
}

/** A loopback port nothing listens on: a proxy there refuses at once. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}`;
}

function node(args: string[]): Promise<string> {
  return new Promise((done, fail) => execFile(process.execPath, args, (err, stdout) => (err ? fail(err) : done(stdout))));
}
