/**
 * `--offline`: answers from the cache only (fresh or stale), zero requests
 * (counted by the fake index), and a per-file OFFLINE_MISS for what the
 * cache cannot answer: reported unavailable, exit 3, nothing written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrich } from '../src/app/enrich.js';
import { defaultStateDir } from '../src/app/cache-dir.js';
import { loadOrCreateKey } from '../src/io/cache-access.js';
import { CacheStore } from '../src/io/cache-store.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, releaseProvenance } from './support/mint.ts';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name];

const FILES = Array.from({ length: 3 }, (_, i) => ({
  project: `off${i}`,
  version: '2.0',
  filename: `off${i}-2.0-py3-none-any.whl`,
  sha256: String(i + 4).repeat(64),
}));

function lockFor(files: typeof FILES): string {
  const blocks = files.map(
    (f) =>
      `[[packages]]\nname = "${f.project}"\nversion = "${f.version}"\nwheels = [{ url = "https://files.example/${f.filename}", hashes = { sha256 = "${f.sha256}" } }]\n`,
  );
  return `lock-version = "1.0"\ncreated-by = "test"\n\n${blocks.join('\n')}`;
}

/** Marks every stored HTTP answer stale, as if its max-age had long passed (written with this machine's key, as a run would). */
async function expireAll(dir: string): Promise<number> {
  const store = new CacheStore(dir, loadOrCreateKey(defaultStateDir()), { purpose: 'http' });
  const keys = store.keys();
  for (const key of keys) {
    const payload = (await store.get(key))!;
    const newline = payload.indexOf(0x0a);
    const entry = { ...JSON.parse(payload.subarray(0, newline).toString()), freshUntil: 0 };
    await store.set(key, Buffer.concat([Buffer.from(`${JSON.stringify(entry)}\n`), payload.subarray(newline + 1)]));
  }
  store.close();
  return keys.length;
}

const run = (args: string[]) => runCli(args, { env: { HOME: '/nonexistent' } });

describe('--offline', () => {
  const ws = tempDir();
  let index: FakeIndex;
  let root: string;

  beforeAll(async () => {
    const sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    const served: FakeFile[] = [];
    for (const f of FILES) {
      served.push({ ...f, provenance: await releaseProvenance(sigstore, f) });
    }
    index = await startFakeIndex({ files: served });
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  it('with an empty cache: zero requests, every file OFFLINE_MISS, exit 3, file untouched', async () => {
    const text = lockFor(FILES);
    const path = ws.file('empty.toml', text);
    const before = index.requests.length;
    const result = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, offline: true, cacheDir: join(ws.dir, 'empty-cache') });
    expect(index.requests.length).toBe(before);
    expect(result.requests).toBe(0);
    expect(result.exitCode).toBe(3);
    const files = result.lockfiles[0]!.packages.flatMap((p) => p.files);
    expect(files.map((f) => [f.status, f.code])).toEqual(FILES.map(() => ['unavailable', 'OFFLINE_MISS']));
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('after one online run: verified from the cache with zero requests, even once every entry is stale', async () => {
    const path = ws.file('warm.toml', lockFor(FILES));
    const cacheDir = join(ws.dir, 'warm-cache');
    const online = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, cache: true, cacheDir, dryRun: true });
    expect(online.exitCode).toBe(0);
    expect(await expireAll(join(cacheDir, 'http-v2'))).toBe(6);
    const before = index.requests.length;
    const offline = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, offline: true, cacheDir });
    expect(index.requests.length).toBe(before);
    expect(offline.requests).toBe(0);
    expect(offline.exitCode).toBe(0);
    expect(offline.lockfiles[0]!.packages.map((p) => p.status)).toEqual(['verified', 'verified', 'verified']);
    expect(offline.lockfiles[0]!.written).toBe(true);
  });

  it('answers what it can: a file the cache lacks is OFFLINE_MISS, the rest verify, and nothing is written', async () => {
    const cacheDir = join(ws.dir, 'partial-cache');
    await enrich([ws.file('two.toml', lockFor(FILES.slice(0, 2)))], { indexUrl: index.simpleUrl, trustedRoot: root, cache: true, cacheDir, dryRun: true });
    const text = lockFor(FILES);
    const path = ws.file('three.toml', text);
    const before = index.requests.length;
    const result = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, offline: true, cacheDir });
    expect(index.requests.length).toBe(before);
    expect(result.exitCode).toBe(3);
    expect(result.lockfiles[0]!.packages.map((p) => p.status)).toEqual(['verified', 'verified', 'unavailable']);
    expect(result.lockfiles[0]!.packages[2]!.files[0]!.code).toBe('OFFLINE_MISS');
    expect(result.lockfiles[0]!.written).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it("offline with the cache turned off (the library's `cache: false`) is a usage error before any request", async () => {
    const path = ws.file('no-cache.toml', lockFor(FILES));
    const before = index.requests.length;
    await expect(enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, offline: true, cache: false, dryRun: true })).rejects.toMatchObject({
      code: 'USAGE',
    });
    expect(index.requests.length).toBe(before);
  });

  describe('the built CLI', () => {
    it('enrich --offline after a warm run: exit 0, zero requests; --offline --no-cache is a usage error', async () => {
      const path = ws.file('cli.toml', lockFor(FILES));
      const cacheDir = join(ws.dir, 'cli-cache');
      const common = [path, '--index-url', index.simpleUrl, '--trusted-root', root, '--cache-dir', cacheDir, '--format', 'json'];
      expect((await run(['enrich', ...common, '--dry-run'])).code).toBe(0);
      const before = index.requests.length;
      const offline = await run(['enrich', ...common, '--offline']);
      expect(offline.code).toBe(0);
      expect(index.requests.length).toBe(before);
      expect(JSON.parse(offline.stdout)).toMatchObject({ requests: 0, exitCode: 0, lockfiles: [{ written: true }] });
      expect(offline.stderr).toBe('');
      expect((await run(['enrich', ...common, '--offline', '--no-cache'])).code).toBe(2);
    });
  });
});
