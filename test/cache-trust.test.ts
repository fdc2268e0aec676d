/**
 * The cache as a trust boundary (docs/security.md, "The cache and the trust
 * boundary"), through the built CLI: what stays here is what is not an
 * attack on `verified`. Every attack that tries to make something verified
 * through the cache (planted trusted roots, forged or spliced verdicts and
 * outcomes, a cache directory or key others may use, --offline with such a
 * cache) is a case of the adversarial suite (test/adversarial/
 * cases-environment.ts). Here:
 * - with --no-verify, a cached answer spliced into a genuine segment under
 *   another key is not served (the identities written are the index's);
 * - a genuine cache restored on a fresh runner is simply not used;
 * - a cache directory that does not exist yet is created 0700 in a sticky
 *   directory;
 * - the key: made once, 0600 in a 0700 directory, the same for concurrent
 *   first runs.
 *
 * TUF is never reached: HTTPS_PROXY points at a closed loopback port, so the
 * refresh fails at once and the run falls back to the embedded root (as it
 * would offline); the index itself is plain http on loopback, not proxied.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_FILE } from '../src/io/cache-access.js';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, releaseProvenance, type MockSigstore } from './support/mint.ts';
import { runCli, runProcess } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';
import { spliceRecord } from './support/forge-cache.ts';
import { closedPort } from './support/local-hosts.ts';

const sha256 = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const FILE = { project: 'victim', version: '1.0', filename: 'victim-1.0.tar.gz', sha256: sha256('the bytes of victim 1.0') };
const HONEST = { kind: 'GitHub', repository: 'o/victim', workflow: 'release.yml' };
const LOCK = `lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "victim"\nversion = "1.0"\nsdist = { url = "https://files.example/${FILE.filename}", hashes = { sha256 = "${FILE.sha256}" } }\n`;

interface Report {
  exitCode: number;
  requests: number;
  trustRoot?: string;
  lockfiles: Array<{ packages: Array<{ status: string; identities: unknown[] }> }>;
}

describe('the cache as a trust boundary (built CLI)', () => {
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

  async function enrich(
    cacheDir: string,
    extra: string[] = [],
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; report: Report; stderr: string }> {
    const run = await runCli(['enrich', lock, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--format', 'json', '--dry-run', ...extra], {
      env: { HTTPS_PROXY: noTuf, ...env },
    });
    return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
  }

  const statuses = (r: Report): string[] => r.lockfiles[0]!.packages.map((p) => p.status);
  const identities = (r: Report): unknown[] => r.lockfiles[0]!.packages.flatMap((p) => p.identities);

  it('a record spliced into a genuine segment (a well-formed block over its bytes, a MAC not ours) is ignored', async () => {
    const cacheDir = fresh();
    expect((await enrich(cacheDir, ['--no-verify'])).report.lockfiles[0]!.packages[0]!.identities).toEqual([HONEST]);
    // The attacker appends the provenance with their identity to the genuine payload file, and
    // an index block pointing the provenance's key at it, under a MAC made with their own key.
    const http = join(cacheDir, 'http-v2');
    const segment = readdirSync(http)
      .find((f) => f.endsWith('.idx'))!
      .slice(0, -4);
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
    const first = await runCli(
      ['enrich', lock, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--trusted-root', root, '--format', 'json', '--dry-run'],
      { env: { PYLOCK_ATTEST_STATE_DIR: state() } },
    );
    const second = await runCli(
      ['enrich', lock, '--index-url', index.simpleUrl, '--cache-dir', cacheDir, '--trusted-root', root, '--format', 'json', '--dry-run'],
      { env: { PYLOCK_ATTEST_STATE_DIR: state() } },
    );
    const [a, b] = [JSON.parse(first.stdout) as Report, JSON.parse(second.stdout) as Report];
    expect(statuses(a)).toEqual(['verified']);
    expect(statuses(b)).toEqual(['verified']);
    expect(b.requests).toBe(a.requests); // nothing from the restored cache answered
    expect(a.requests).toBeGreaterThan(0);
  });

  it('a cache directory not there yet, in a sticky directory others can write (like /tmp): used, and made 0700', async () => {
    const sticky = join(ws.dir, `sticky-${n++}`);
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const used = await enrich(join(sticky, 'cache'));
    expect(used.stderr).not.toContain('not using the cache');
    expect(statSync(join(sticky, 'cache')).mode & 0o777).toBe(0o700);
  });

  it('the key is made once, 0600 in a 0700 directory; concurrent first runs agree on it', async () => {
    const dir = state();
    const script = `import { loadOrCreateKey } from ${JSON.stringify(resolve(import.meta.dirname, '../dist/io/cache-access.js'))}; process.stdout.write(loadOrCreateKey(${JSON.stringify(dir)}).toString('hex'));`;
    const keys = await Promise.all(Array.from({ length: 6 }, () => node(['--input-type=module', '-e', script])));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([KEY_FILE]); // no temporary file left behind
  });
});

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

async function node(args: string[]): Promise<string> {
  const r = await runProcess(process.execPath, args);
  if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
