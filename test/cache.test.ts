/**
 * The on-disk caches: HTTP answers (fresh hit, stale → 304 revalidation,
 * corrupt entries discarded, what is never kept) and positive verdicts
 * (keyed by attestation, file, identity and trust root), each against a
 * real loopback index and a real directory, over the one authenticated
 * store (io/cache-store.ts; its attacks are in test/cache-trust.test.ts and
 * the adversarial suite, test/adversarial/cases-environment.ts).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrich } from '../src/app/enrich.js';
import { CacheStore, segmentCount, type CacheStoreOptions } from '../src/io/cache-store.js';
import { CachingHttp, cacheKey, freshness, parseCacheControl } from '../src/net/http-cache.js';
import { HttpClient } from '../src/net/http.js';
import { cachedVerifier, VerdictCache } from '../src/verify/verdict-cache.js';
import { OutcomeCache } from '../src/app/outcome-cache.js';
import { defaultStateDir } from '../src/app/cache-dir.js';
import { loadOrCreateKey } from '../src/io/cache-access.js';
import type { FileOutcome } from '../src/core/outcome.js';
import type { AttestationVerdict, AttestationVerifier } from '../src/verify/verifier.js';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, type MockSigstore, releaseProvenance } from './support/mint.ts';
import { sdistFiles, sdistLockfile, tempDir } from './support/workspace.ts';

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name];

const ACCEPT = 'application/vnd.pypi.integrity.v1+json';
const FILE = { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', sha256: 'a'.repeat(64) };
const PROVENANCE = { version: 1, attestation_bundles: [] };
const KEY = randomBytes(32);
const openStore = (dir: string, opts: Partial<CacheStoreOptions> = {}): CacheStore => new CacheStore(dir, KEY, { purpose: 'test', ...opts });

describe('HTTP cache', () => {
  let index: FakeIndex;
  let http: HttpClient;
  const ws = tempDir();
  let n = 0;

  beforeAll(async () => {
    index = await startFakeIndex({ files: [{ ...FILE, provenance: PROVENANCE }] });
    http = new HttpClient({ userAgent: 'pylock-attest-test', retries: 0 });
  });
  afterAll(async () => {
    await http?.close();
    await index?.close();
    ws.cleanup();
  });

  /** A fresh cache directory and a clock the test moves. */
  function setup() {
    const clock = { now: 1_000_000 };
    const kept = openStore(join(ws.dir, `http-${n++}`));
    const cache = new CachingHttp(http, kept, { now: () => clock.now });
    return { clock, store: kept, cache };
  }

  const provenanceUrl = () => `${index.origin}/provenance/demo/1.0/demo-1.0.tar.gz`;
  const integrityUrl = () => `${index.origin}/integrity/demo/1.0/demo-1.0.tar.gz/provenance`;

  it('serves a fresh entry without a request', async () => {
    const { cache } = setup();
    const before = index.requests.length;
    const first = await cache.get(provenanceUrl(), ACCEPT);
    const second = await cache.get(provenanceUrl(), ACCEPT);
    expect(index.requests.length - before).toBe(1);
    expect(cache.stats).toEqual({ network: 1, hits: 1, revalidated: 0 });
    expect(second.status).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
  });

  it('keys on the Accept header too', async () => {
    const { cache } = setup();
    await cache.get(provenanceUrl(), ACCEPT);
    await cache.get(provenanceUrl(), 'application/json');
    expect(cache.stats.network).toBe(2);
  });

  it('revalidates a stale entry with If-None-Match; a 304 serves the stored body and restarts its lifetime', async () => {
    const { clock, cache } = setup();
    const first = await cache.get(provenanceUrl(), ACCEPT);
    clock.now += 601_000; // the fake index says max-age=600
    const before = index.requests.length;
    const again = await cache.get(provenanceUrl(), ACCEPT);
    expect(index.requests.length - before).toBe(1);
    expect(index.requests.at(-1)!.headers['if-none-match']).toBe(first.headers['etag']);
    expect(again.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
    expect(cache.stats).toMatchObject({ network: 2, revalidated: 1 });
    await cache.get(provenanceUrl(), ACCEPT);
    expect(index.requests.length - before).toBe(1); // fresh again after the 304
  });

  it('replaces a stale entry when the index answers 200 with new content', async () => {
    const { clock, cache } = setup();
    await cache.get(provenanceUrl(), ACCEPT);
    clock.now += 601_000;
    const changed = Buffer.from(JSON.stringify({ version: 1, attestation_bundles: [], changed: true }));
    index.setFault(() => ({ status: 200, headers: { 'content-type': ACCEPT, 'cache-control': 'max-age=600', etag: '"v2"' }, body: changed }));
    try {
      expect((await cache.get(provenanceUrl(), ACCEPT)).body.equals(changed)).toBe(true);
    } finally {
      index.setFault(undefined);
    }
    expect((await cache.get(provenanceUrl(), ACCEPT)).body.equals(changed)).toBe(true);
    expect(cache.stats).toMatchObject({ network: 2, hits: 1, revalidated: 0 });
  });

  it('discards a corrupt or truncated entry and fetches again', async () => {
    const damages: Array<(file: string, at: { offset: number; length: number }) => void> = [
      (file, at) => truncateSync(file, at.offset + at.length - 7), // a write cut short
      (file, at) => {
        const b = readFileSync(file);
        b[at.offset + at.length - 3]! ^= 0x20;
        writeFileSync(file, b);
      }, // a flipped bit
      (file, at) => {
        const b = readFileSync(file);
        b.fill(0, at.offset, at.offset + at.length);
        writeFileSync(file, b);
      }, // zeroed
    ];
    for (const damage of damages) {
      const { store, cache } = setup();
      const first = await cache.get(provenanceUrl(), ACCEPT);
      const at = store.locate(cacheKey(provenanceUrl(), ACCEPT))!;
      damage(at.file, at);
      const again = await cache.get(provenanceUrl(), ACCEPT);
      expect(store.discarded).toBe(1);
      expect(cache.stats).toMatchObject({ network: 2, hits: 0 });
      expect(again.body.equals(first.body)).toBe(true);
      expect((await cache.get(provenanceUrl(), ACCEPT)).body.equals(first.body)).toBe(true); // rewritten whole
      expect(cache.stats.hits).toBe(1);
    }
  });

  it('never keeps a 403 or a no-store answer; a 404 with a lifetime is kept', async () => {
    const { cache } = setup();
    index.setFault(() => ({ status: 403, body: '{"message":"disabled"}' }));
    try {
      expect((await cache.get(integrityUrl(), ACCEPT)).status).toBe(403);
      expect((await cache.get(integrityUrl(), ACCEPT)).status).toBe(403);
      expect(cache.stats.network).toBe(2);
      index.setFault(() => ({ status: 200, headers: { 'content-type': ACCEPT, 'cache-control': 'no-store' }, body: '{}' }));
      await cache.get(`${integrityUrl()}?ns`, ACCEPT);
      await cache.get(`${integrityUrl()}?ns`, ACCEPT);
      expect(cache.stats.network).toBe(4);
      index.setFault(() => ({ status: 404, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' }, body: '{"message":"none"}' }));
      expect((await cache.get(`${integrityUrl()}?404`, ACCEPT)).status).toBe(404);
      expect((await cache.get(`${integrityUrl()}?404`, ACCEPT)).status).toBe(404);
      expect(cache.stats.network).toBe(5);
    } finally {
      index.setFault(undefined);
    }
  });

  it('is safe with several writers on one directory: each has its own segment, the newest record wins, every read is whole', async () => {
    const dir = join(ws.dir, 'race');
    const stores = Array.from({ length: 4 }, () => openStore(dir));
    const key = cacheKey('https://race.example/x', ACCEPT);
    const payloads = Array.from({ length: 40 }, (_, i) => Buffer.alloc(20_000 + i, i));
    for (const [i, p] of payloads.entries()) {
      await stores[i % 4]!.set(key, p);
      expect((await stores[i % 4]!.get(key))!.equals(p)).toBe(true);
    }
    for (const s of stores) s.close();
    expect(segmentCount(dir)).toBe(4);
    const reader = openStore(dir);
    const read = await reader.get(key);
    expect(payloads.some((p) => p.equals(read!))).toBe(true);
    expect(reader.discarded).toBe(0);
    reader.close();
  });

  it("writes a block's payloads with its index lines; until then its records are read back from memory, as copies", async () => {
    const dir = join(ws.dir, 'batched');
    const writer = openStore(dir);
    const key = cacheKey('https://batched.example/x', ACCEPT);
    await writer.set(key, Buffer.from('kept'));
    // Not on disk yet, so no other process sees it (none would before its index block is written, either).
    expect(await openStore(dir).get(key)).toBeUndefined();
    const read = await writer.get(key);
    expect(read!.toString()).toBe('kept');
    read!.fill(0);
    expect((await writer.get(key))!.toString()).toBe('kept');
    writer.close();
    expect((await openStore(dir).get(key))!.toString()).toBe('kept');
  });

  it('torn writes are skipped, never trusted: an unwritten index block, a torn block, a payload file cut short', async () => {
    const dir = join(ws.dir, 'torn');
    const good = cacheKey('https://torn.example/good', ACCEPT);
    const torn = cacheKey('https://torn.example/torn', ACCEPT);
    const first = openStore(dir);
    await first.set(good, Buffer.from('whole'));
    first.close();
    const second = openStore(dir);
    await second.set(torn, Buffer.alloc(5000, 7));
    const at = second.locate(torn)!;
    second.close();
    // A killed process never wrote its block: its records simply are not there.
    const killed = openStore(dir);
    await killed.set(cacheKey('https://torn.example/lost', ACCEPT), Buffer.from('never indexed'));
    truncateSync(at.file, at.offset + 100); // the second segment's payloads cut short
    appendFileSync(at.file.replace(/\.log$/, '.idx'), `#${'f'.repeat(64)} 900 0 0 ${'0'.repeat(64)}\n${'f'.repeat(30)}`); // and a torn block after its good one
    const reader = openStore(dir);
    expect((await reader.get(good))!.toString()).toBe('whole');
    expect(reader.keys().sort()).toEqual([good, torn].sort());
    expect(reader.discarded).toBe(1); // the torn block
    expect(await reader.get(torn)).toBeUndefined(); // its block's payload range no longer hashes right
    expect(reader.discarded).toBe(2);
    reader.close();
    killed.close();
  });

  it('reads a large segment block by block: each block hashed when first needed, an altered one a miss', async () => {
    const dir = join(ws.dir, 'large');
    const keys = Array.from({ length: 20 }, (_, i) => cacheKey(`https://large.example/${i}`, ACCEPT));
    const writer = openStore(dir);
    for (const [i, k] of keys.entries()) await writer.set(k, Buffer.alloc(1024 * 1024, i)); // 20 MiB: past the whole-read size
    const altered = writer.locate(keys[7]!)!;
    writer.close();
    const b = readFileSync(altered.file);
    b[altered.offset + 10]! ^= 1;
    writeFileSync(altered.file, b);
    const reader = openStore(dir);
    for (let round = 0; round < 2; round++) {
      // Twice: the second round reads blocks the bounded range cache has let go of, and hashes them again.
      for (const [i, k] of keys.entries()) {
        const got = await reader.get(k);
        if (i === 7) expect(got).toBeUndefined();
        else expect(got!.equals(Buffer.alloc(1024 * 1024, i))).toBe(true);
      }
    }
    expect(reader.discarded).toBe(1);
    reader.close();
  });

  it('merges old segments into one, keeping the newest record of every key', async () => {
    const dir = join(ws.dir, 'compact');
    const keys = Array.from({ length: 5 }, (_, i) => cacheKey(`https://compact.example/${i}`, ACCEPT));
    for (let round = 0; round < 5; round++) {
      const s = openStore(dir, { compactAt: 100 });
      for (const k of keys) await s.set(k, Buffer.from(`${k.slice(0, 4)}-${round}`));
      s.close();
      await new Promise((r) => setTimeout(r, 2)); // distinct segment times
    }
    expect(segmentCount(dir)).toBe(5);
    const compacting = openStore(dir, { compactAt: 3, compactAgeMs: 0 });
    for (const k of keys) expect((await compacting.get(k))!.toString()).toBe(`${k.slice(0, 4)}-4`);
    compacting.close();
    expect(segmentCount(dir)).toBe(1);
    const after = openStore(dir);
    for (const k of keys) expect((await after.get(k))!.toString()).toBe(`${k.slice(0, 4)}-4`);
    after.close();
  });

  it('authenticates index blocks: a block moved to another segment, or records made with another key, are misses', async () => {
    const dir = join(ws.dir, 'moved');
    const key = cacheKey('https://moved.example/x', ACCEPT);
    const writer = openStore(dir);
    await writer.set(key, Buffer.from('genuine'));
    const at = writer.locate(key)!;
    writer.close();
    // The same bytes under a newer segment name: the block's HMAC names the segment it was written in.
    const renamed = at.file.replace(/\/(\d+)-/, (_, ms: string) => `/${Number(ms) + 5000}-`);
    for (const ext of ['.log', '.idx']) writeFileSync(renamed.replace(/\.log$/, ext), readFileSync(at.file.replace(/\.log$/, ext)));
    const reader = openStore(dir);
    expect((await reader.get(key))!.toString()).toBe('genuine'); // from the original segment
    expect(reader.discarded).toBe(1); // the copy's block
    reader.close();
    const stranger = new CacheStore(dir, randomBytes(32), { purpose: 'test' });
    expect(await stranger.get(key)).toBeUndefined();
    expect(stranger.keys()).toEqual([]);
    const otherPurpose = openStore(dir, { purpose: 'verdicts' });
    expect(await otherPurpose.get(key)).toBeUndefined(); // records never move between stores
  });

  it('deletes idle segments of which nothing authenticates (a cache restored from a machine with another key)', async () => {
    const dir = join(ws.dir, 'foreign');
    const foreign = new CacheStore(dir, randomBytes(32), { purpose: 'test' });
    await foreign.set(cacheKey('https://foreign.example/x', ACCEPT), Buffer.from('theirs'));
    foreign.close();
    const ours = openStore(dir, { compactAgeMs: 0 });
    expect(ours.keys()).toEqual([]);
    expect(segmentCount(dir)).toBe(0);
    await ours.set(cacheKey('https://foreign.example/x', ACCEPT), Buffer.from('ours'));
    ours.close();
    expect((await openStore(dir).get(cacheKey('https://foreign.example/x', ACCEPT)))!.toString()).toBe('ours');
  });

  it('reports the horizon: the earliest freshness limit among the answers it served', async () => {
    const { clock, cache } = setup();
    expect(cache.horizon).toBe(Number.POSITIVE_INFINITY);
    await cache.get(provenanceUrl(), ACCEPT);
    expect(cache.horizon).toBe(clock.now + 600_000);
    clock.now += 1_000;
    await cache.get(provenanceUrl(), ACCEPT); // a hit: same limit
    expect(cache.horizon).toBe(clock.now - 1_000 + 600_000);
    index.setFault(() => ({ status: 403, body: '{}' }));
    try {
      await cache.get(integrityUrl(), ACCEPT); // not kept: nothing derived from it may outlive this moment
    } finally {
      index.setFault(undefined);
    }
    expect(cache.horizon).toBe(clock.now);
  });

  it('reads the freshness rules from the headers', () => {
    expect(parseCacheControl('public, max-age=600')).toEqual({ noStore: false, noCache: false, maxAge: 600 });
    expect(freshness(200, { 'cache-control': 'max-age=600' }, 0)).toEqual({ freshUntil: 600_000 });
    expect(freshness(200, { 'cache-control': 'max-age=600', age: '100', etag: '"x"' }, 0)).toEqual({ freshUntil: 500_000, etag: '"x"' });
    expect(freshness(200, { 'cache-control': 'max-age=31536000, immutable' }, 0)).toEqual({ freshUntil: 24 * 3600_000 }); // capped at a day
    expect(freshness(200, { 'cache-control': 'no-cache', etag: '"x"' }, 0)).toEqual({ freshUntil: 0, etag: '"x"' });
    expect(freshness(200, {}, 0)).toEqual({ freshUntil: 0 });
    expect(freshness(200, { date: 'Mon, 01 Jan 2024 00:00:00 GMT', expires: 'Mon, 01 Jan 2024 00:01:00 GMT' }, 0)).toEqual({ freshUntil: 60_000 });
    expect(freshness(404, { 'cache-control': 'max-age=86400' }, 0)).toEqual({ freshUntil: 600_000 }); // 404: at most 10 minutes
    expect(freshness(200, { 'cache-control': 'no-store' }, 0)).toBe('forget');
    expect(freshness(200, { 'cache-control': 'max-age=60', vary: '*' }, 0)).toBe('forget');
    expect(freshness(403, { 'cache-control': 'max-age=60' }, 0)).toBeUndefined();
  });
});

describe('verdict cache', () => {
  const ws = tempDir();
  afterAll(() => ws.cleanup());
  const identity = { kind: 'GitHub', repository: 'o/r', workflow: 'w.yml' };
  const expected = { filename: 'r-1.tar.gz', sha256: 'b'.repeat(64) };
  const attestation = { version: 1, verification_material: { certificate: 'x', transparency_entries: [] }, envelope: { statement: 's', signature: 'g' } };
  const ok: AttestationVerdict = {
    ok: true,
    predicateType: 'p',
    certificate: { issuer: 'i', san: 's' },
    unverifiedIdentityKeys: [],
    signedAt: '2025-01-01T00:00:00.000Z',
  };

  function counting(verdict: AttestationVerdict): AttestationVerifier & { calls: number } {
    const v = {
      calls: 0,
      async verify() {
        v.calls++;
        return verdict;
      },
    };
    return v;
  }

  it('answers a repeated question from the cache, and only that question', async () => {
    const store = openStore(join(ws.dir, 'v1'));
    const inner = counting(ok);
    const verifier = cachedVerifier(new VerdictCache(store, 'root-A'), inner);
    expect(await verifier.verify(attestation, identity, expected)).toEqual(ok);
    expect(await verifier.verify(attestation, identity, expected)).toEqual(ok);
    expect(inner.calls).toBe(1);
    // A later run with the same trust root: still cached.
    store.close();
    const later = counting(ok);
    await cachedVerifier(new VerdictCache(openStore(join(ws.dir, 'v1')), 'root-A'), later).verify(attestation, identity, expected);
    expect(later.calls).toBe(0);
    // Any other trust root, file, identity or attestation: verified again.
    const other = counting(ok);
    const v2 = cachedVerifier(new VerdictCache(store, 'root-B'), other);
    await v2.verify(attestation, identity, expected);
    const v3 = cachedVerifier(new VerdictCache(store, 'root-A'), other);
    await v3.verify(attestation, identity, { ...expected, sha256: 'c'.repeat(64) });
    await v3.verify(attestation, { ...identity, environment: 'pypi' }, expected);
    await v3.verify({ ...attestation, envelope: { ...attestation.envelope, signature: 'h' } }, identity, expected);
    expect(other.calls).toBe(4);
  });

  it('names the identity as core/identity.ts does: key order does not matter, values do', () => {
    const cache = new VerdictCache(openStore(join(ws.dir, 'v4')), 'root-A');
    const key = cache.key(attestation, identity, expected);
    expect(cache.key(attestation, { workflow: 'w.yml', repository: 'o/r', kind: 'GitHub' }, expected)).toBe(key);
    expect(cache.key(attestation, { ...identity, environment: 'pypi' }, expected)).not.toBe(key);
    expect(cache.key(attestation, { ...identity, workflow: 'x.yml' }, expected)).not.toBe(key);
  });

  it('never keeps a failure', async () => {
    const store = openStore(join(ws.dir, 'v2'));
    const inner = counting({ ok: false, stage: 'sigstore', reason: 'bad' });
    const verifier = cachedVerifier(new VerdictCache(store, 'root-A'), inner);
    await verifier.verify(attestation, identity, expected);
    await verifier.verify(attestation, identity, expected);
    expect(inner.calls).toBe(2);
  });

  it('ignores an entry stored under another key or holding no positive verdict', async () => {
    const store = openStore(join(ws.dir, 'v3'));
    const cache = new VerdictCache(store, 'root-A');
    const key = cache.key(attestation, identity, expected);
    await store.set(key, Buffer.from(JSON.stringify({ key: 'f'.repeat(64), verdict: ok })));
    expect(await cache.get(key)).toBeUndefined();
    await store.set(key, Buffer.from(JSON.stringify({ key, verdict: { ok: true } })));
    expect(await cache.get(key)).toBeUndefined();
    await store.set(key, Buffer.from(JSON.stringify({ key, verdict: ok })));
    expect(await cache.get(key)).toEqual(ok);
  });
});

describe('outcome cache', () => {
  const ws = tempDir();
  afterAll(() => ws.cleanup());
  const q = { indexUrl: 'https://pypi.org/simple', project: 'Demo_Pkg', version: '1.0', filename: 'demo_pkg-1.0.tar.gz', sha256: 'a'.repeat(64) };
  const verified: FileOutcome = {
    filename: q.filename,
    sha256: q.sha256,
    status: 'verified',
    identities: [{ kind: 'GitHub', repository: 'o/demo', workflow: 'r.yml', environment: 'pypi' }],
    unverifiedKeys: [['environment']],
    source: 'https://pypi.org/integrity/x',
  };
  let n = 0;
  const fresh = (context: Partial<ConstructorParameters<typeof OutcomeCache>[1]> = {}, now = 1_000) => {
    const store = openStore(join(ws.dir, `o${n++}`));
    const make = (c: typeof context = context, t = now) =>
      new OutcomeCache(store, { verify: true, trustDigest: 'root-A', mode: 'auto', offline: false, ...c }, () => t);
    return { store, make };
  };

  it('serves a kept outcome until the answers behind it go stale', async () => {
    const { make } = fresh();
    const cache = make();
    const key = cache.key(q);
    const kept = await cache.put(key, verified, 5_000);
    expect(kept).toEqual({ outcome: verified, key, record: expect.any(String), expires: 5_000 });
    expect(cache.getSync(key, q)).toEqual(kept);
    expect(cache.current(key, kept!.record)).toBe(true);
    expect(make({}, 4_999).getSync(key, q)?.outcome).toEqual(verified);
    expect(make({}, 5_000).getSync(key, q)).toBeUndefined();
    expect(make({ offline: true }, 99_999).getSync(key, q)?.outcome).toEqual(verified); // offline: stale answers serve
  });

  it("an attested outcome must say which keys are only the index's claim, or it is worked out again", async () => {
    const { make } = fresh();
    const cache = make();
    const key = cache.key(q);
    const { unverifiedKeys: _k, ...silent } = verified;
    await cache.put(key, silent, 5_000);
    expect(cache.getSync(key, q)).toBeUndefined();
    await cache.put(key, { ...verified, unverifiedKeys: [] }, 5_000); // one list per identity
    expect(cache.getSync(key, q)).toBeUndefined();
  });

  it('keys on everything an outcome depends on', () => {
    const { make } = fresh();
    const base = make().key(q);
    expect(make().key({ ...q, project: 'demo-pkg', indexUrl: 'https://pypi.org/simple/' })).toBe(base); // the same question
    for (const other of [
      make({ trustDigest: 'root-B' }).key(q),
      make({ verify: false }).key(q),
      make({ mode: 'simple' }).key(q),
      make().key({ ...q, sha256: 'b'.repeat(64) }),
      make().key({ ...q, version: '1.1' }),
      make().key({ ...q, indexUrl: 'https://test.pypi.org/simple' }),
    ]) {
      expect(other).not.toBe(base);
    }
  });

  it('keeps only settled answers, only with a future, and only for the file they name', async () => {
    const { make } = fresh();
    const cache = make();
    for (const status of ['invalid', 'unavailable', 'index-mismatch'] as const) {
      const key = cache.key({ ...q, filename: status });
      await cache.put(key, { ...verified, filename: status, status }, 5_000);
      expect(cache.getSync(key, { ...q, filename: status })).toBeUndefined();
    }
    const key = cache.key(q);
    await cache.put(key, verified, 1_000); // expires now
    await cache.put(key, verified, Number.POSITIVE_INFINITY); // nothing served: no horizon
    expect(cache.getSync(key, q)).toBeUndefined();
    await cache.put(key, { ...verified, filename: 'other.tar.gz' }, 5_000);
    expect(cache.getSync(key, q)).toBeUndefined();
  });
});

describe('enrich with the cache', () => {
  let sigstore: MockSigstore;
  let index: FakeIndex;
  const ws = tempDir();
  let root: string;
  const files = sdistFiles('c', 3, 0);
  const lock = sdistLockfile(files);

  beforeAll(async () => {
    sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    const served = [];
    for (const f of files) {
      served.push({ ...f, provenance: await releaseProvenance(sigstore, f) });
    }
    index = await startFakeIndex({ files: served });
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  it('a warm run sends no request and verifies nothing again; another trust root never reuses a verdict', async () => {
    const path = ws.file('pylock.toml', lock);
    const cacheDir = join(ws.dir, 'cache');
    const options = { indexUrl: index.simpleUrl, trustedRoot: root, cache: true, cacheDir, dryRun: true };
    const before = index.requests.length;
    const cold = await enrich([path], options);
    expect(cold.exitCode).toBe(0);
    expect(cold.requests).toBe(6); // 3 pages + 3 provenance
    expect(index.requests.length - before).toBe(6);
    const verdicts = new CacheStore(join(cacheDir, 'verdicts-v2'), loadOrCreateKey(defaultStateDir()), { purpose: 'verdicts' });
    expect(verdicts.keys()).toHaveLength(3);
    verdicts.close();

    const warm = await enrich([path], options);
    expect(warm.requests).toBe(0);
    expect(index.requests.length - before).toBe(6);
    expect(warm.lockfiles[0]!.packages.map((p) => p.status)).toEqual(['verified', 'verified', 'verified']);
    expect(warm.lockfiles[0]!.newText).toBe(cold.lockfiles[0]!.newText);

    // Same cached answers, a different trusted root: every attestation is checked again, and fails.
    const stranger = await createMockSigstore();
    const otherRoot = ws.file('other-root.json', JSON.stringify(stranger.trustedRoot));
    const other = await enrich([path], { ...options, trustedRoot: otherRoot });
    expect(other.requests).toBe(0);
    expect(other.lockfiles[0]!.packages.map((p) => p.status)).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('--no-cache (cache: false) neither reads nor writes the cache', async () => {
    const path = ws.file('nocache.toml', lock);
    const cacheDir = join(ws.dir, 'unused');
    const first = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, cache: false, cacheDir, dryRun: true });
    const second = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, cache: false, cacheDir, dryRun: true });
    expect([first.requests, second.requests]).toEqual([6, 6]);
    expect(existsSync(cacheDir)).toBe(false); // not even created
  });
});
