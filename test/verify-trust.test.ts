/**
 * loadTrustRoot. No test here touches the network: the TUF refresh is a
 * function the test passes (RunContext passes the real one), and the kept
 * copy lives in a real authenticated store (io/cache-store.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PylockAttestError } from '../src/errors.js';
import { CacheStore } from '../src/io/cache-store.js';
import { loadTrustRoot, PRODUCTION_TUF_MIRROR, TUF_REFRESH_MS } from '../src/verify/trust.js';
import { createVerifier } from '../src/verify/verifier.js';
import { createMockSigstore } from './support/mint.js';

const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'pla-trust-'));
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const KEY = randomBytes(32);
const trustStore = (dir: string, key: Uint8Array = KEY): CacheStore => new CacheStore(path.join(dir, 'trust-v2'), key, { purpose: 'trust' });

function embeddedRootBytes(): Buffer {
  const seedsPath = createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json');
  const seeds = JSON.parse(readFileSync(seedsPath, 'utf8')) as Record<string, { targets: Record<string, string> }>;
  return Buffer.from(seeds[PRODUCTION_TUF_MIRROR]!.targets['trusted_root.json']!, 'base64');
}

async function expectTrustRootError(p: Promise<unknown>): Promise<void> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PylockAttestError);
  expect((err as PylockAttestError).code).toBe('TRUST_ROOT');
}

let mockRootText: string;
beforeAll(async () => {
  mockRootText = JSON.stringify((await createMockSigstore()).trustedRoot);
});

/** A store holding `text` as the root TUF delivered at `fetchedAt`, kept the way a run keeps it. */
async function keptRoot(dir: string, text: string, fetchedAt: number): Promise<CacheStore> {
  const store = trustStore(dir);
  await loadTrustRoot({ offline: false, store, refresh: async () => Buffer.from(text), now: () => fetchedAt });
  store.close();
  return trustStore(dir);
}

describe('explicit --trusted-root file', () => {
  it('is used as given, with the sha256 of its bytes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'root.json');
    writeFileSync(file, mockRootText);
    const root = await loadTrustRoot({ trustedRootPath: file, offline: true });
    expect(root.source).toBe('file');
    expect(root.digest).toBe(sha256(mockRootText));
    expect(root.json).toEqual(JSON.parse(mockRootText));
  });

  it('wins over a kept root', async () => {
    const dir = tempDir();
    const store = await keptRoot(dir, embeddedRootBytes().toString(), Date.now());
    const file = path.join(dir, 'mine.json');
    writeFileSync(file, mockRootText);
    expect((await loadTrustRoot({ trustedRootPath: file, offline: true, store })).source).toBe('file');
  });

  it.each([
    ['not JSON', '{"mediaType": '],
    ['not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
    ['a JSON array', '[]'],
    ['no media type', '{"certificateAuthorities": [{}], "tlogs": [{}]}'],
    ['another media type', JSON.stringify({ ...JSON.parse(embeddedRootBytes().toString()), mediaType: 'application/json' })],
    ['no certificate authorities', JSON.stringify({ ...JSON.parse(embeddedRootBytes().toString()), certificateAuthorities: [] })],
    ['no transparency logs', JSON.stringify({ ...JSON.parse(embeddedRootBytes().toString()), tlogs: [] })],
    ['empty', ''],
  ])('that is corrupt (%s) is a TRUST_ROOT error, never a fallback', async (_name, content) => {
    const dir = tempDir();
    const file = path.join(dir, 'root.json');
    writeFileSync(file, content);
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: file, offline: true }));
  });

  it('that is missing, a directory or huge is a TRUST_ROOT error', async () => {
    const dir = tempDir();
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: path.join(dir, 'nope.json'), offline: true }));
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: dir, offline: true }));
    const big = path.join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(5 * 1024 * 1024));
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: big, offline: true }));
  });
});

describe('offline', () => {
  it('falls back to the root embedded in @sigstore/tuf seeds.json', async () => {
    const root = await loadTrustRoot({ offline: true });
    expect(root.source).toBe('embedded');
    expect(root.digest).toBe(sha256(embeddedRootBytes()));
    expect(root.fallbackReason).toBeUndefined();
    expect(root.json).toMatchObject({ mediaType: expect.stringMatching(/^application\/vnd\.dev\.sigstore\.trustedroot/) });
    await expect(createVerifier(root)).resolves.toBeDefined();
  });

  it('prefers the copy a TUF refresh kept, however old', async () => {
    const dir = tempDir();
    const store = await keptRoot(dir, mockRootText, Date.now() - 10 * TUF_REFRESH_MS);
    const root = await loadTrustRoot({ offline: true, store });
    expect(root.source).toBe('cache');
    expect(root.digest).toBe(sha256(mockRootText));
  });

  it('never reads a trusted_root.json planted in the cache directory, nor a record made with another key', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'trusted_root.json'), mockRootText); // where earlier versions kept it
    const forger = trustStore(dir, randomBytes(32));
    await loadTrustRoot({ offline: false, store: forger, refresh: async () => Buffer.from(mockRootText) });
    forger.close();
    const store = trustStore(dir);
    const root = await loadTrustRoot({ offline: true, store });
    expect(root.source).toBe('embedded');
    expect(store.discarded).toBeGreaterThan(0);
  });

  it('never asks TUF', async () => {
    let asked = 0;
    const root = await loadTrustRoot({ offline: true, refresh: async () => (asked++, Buffer.from(mockRootText)) });
    expect([root.source, asked]).toEqual(['embedded', 0]);
  });
});

describe('online', () => {
  it('uses a kept root less than a day old without asking TUF', async () => {
    const dir = tempDir();
    const store = await keptRoot(dir, mockRootText, Date.now() - 60_000);
    let asked = 0;
    const root = await loadTrustRoot({ offline: false, store, refresh: async () => (asked++, embeddedRootBytes()) });
    expect([root.source, asked, root.fallbackReason]).toEqual(['cache', 0, undefined]);
  });

  it('asks TUF once the kept root is a day old, and keeps the answer', async () => {
    const dir = tempDir();
    const store = await keptRoot(dir, mockRootText, Date.now() - TUF_REFRESH_MS - 60_000);
    const root = await loadTrustRoot({ offline: false, store, refresh: async () => embeddedRootBytes() });
    expect([root.source, root.digest]).toEqual(['tuf', sha256(embeddedRootBytes())]);
    store.close();
    expect((await loadTrustRoot({ offline: true, store: trustStore(dir) })).digest).toBe(sha256(embeddedRootBytes()));
  });

  it('falls back to the kept root when TUF fails, and says why', async () => {
    const dir = tempDir();
    const store = await keptRoot(dir, mockRootText, Date.now() - TUF_REFRESH_MS - 60_000);
    const root = await loadTrustRoot({ offline: false, store, refresh: () => Promise.reject(new Error('no answer within 15 s')) });
    expect(root.source).toBe('cache');
    expect(root.fallbackReason).toBe('TUF refresh failed: no answer within 15 s');
  });

  it('refuses what TUF returned if it is not a usable root: the embedded one is used, nothing kept', async () => {
    const dir = tempDir();
    const store = trustStore(dir);
    const root = await loadTrustRoot({ offline: false, store, refresh: async () => Buffer.from('[]') });
    expect(root.source).toBe('embedded');
    expect(root.fallbackReason).toMatch(/^TUF refresh failed/);
    expect(store.keys()).toEqual([]);
  });

  it('without a cache (--no-cache): TUF every time, nothing kept or read', async () => {
    let asked = 0;
    const root = await loadTrustRoot({ offline: false, refresh: async () => (asked++, Buffer.from(mockRootText)) });
    expect([root.source, asked]).toEqual(['tuf', 1]);
  });
});

describe('createVerifier', () => {
  it.each([[{}], [null], ['root'], [{ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [] }]])(
    'refuses an unusable root (%j) with TRUST_ROOT',
    async (json) => {
      await expectTrustRootError(createVerifier({ json }));
    },
  );
});
