/**
 * loadTrustRoot. No test here touches the network: online mode is only
 * exercised with a TUF cache path that fails before any request is made.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PylockAttestError } from '../src/errors.js';
import { loadTrustRoot, PRODUCTION_TUF_MIRROR, TUF_REFRESH_MS } from '../src/verify/trust.js';
import { createVerifier } from '../src/verify/verifier.js';
import { createMockSigstore } from './support/mint.js';

const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'pla-trust-'));
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

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

describe('explicit --trusted-root file', () => {
  it('is used as given, with the sha256 of its bytes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'root.json');
    writeFileSync(file, mockRootText);
    const root = await loadTrustRoot({ trustedRootPath: file, cacheDir: dir, offline: true });
    expect(root.source).toBe('file');
    expect(root.digest).toBe(sha256(mockRootText));
    expect(root.json).toEqual(JSON.parse(mockRootText));
  });

  it('wins over a cached root', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'trusted_root.json'), embeddedRootBytes());
    const file = path.join(dir, 'mine.json');
    writeFileSync(file, mockRootText);
    expect((await loadTrustRoot({ trustedRootPath: file, cacheDir: dir, offline: true })).source).toBe('file');
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
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: file, cacheDir: dir, offline: true }));
  });

  it('that is missing, a directory or huge is a TRUST_ROOT error', async () => {
    const dir = tempDir();
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: path.join(dir, 'nope.json'), cacheDir: dir, offline: true }));
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: dir, cacheDir: dir, offline: true }));
    const big = path.join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(5 * 1024 * 1024));
    await expectTrustRootError(loadTrustRoot({ trustedRootPath: big, cacheDir: dir, offline: true }));
  });
});

describe('offline', () => {
  it('falls back to the root embedded in @sigstore/tuf seeds.json', async () => {
    const root = await loadTrustRoot({ cacheDir: tempDir(), offline: true });
    expect(root.source).toBe('embedded');
    expect(root.digest).toBe(sha256(embeddedRootBytes()));
    expect(root.fallbackReason).toBeUndefined();
    expect(root.json).toMatchObject({ mediaType: expect.stringMatching(/^application\/vnd\.dev\.sigstore\.trustedroot/) });
    await expect(createVerifier(root)).resolves.toBeDefined();
  });

  it('prefers the last cached copy', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'trusted_root.json'), mockRootText);
    const root = await loadTrustRoot({ cacheDir: dir, offline: true });
    expect(root.source).toBe('cache');
    expect(root.digest).toBe(sha256(mockRootText));
  });

  it('skips a corrupt cache, says why, and uses the embedded root', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'trusted_root.json'), '{"truncated":');
    const root = await loadTrustRoot({ cacheDir: dir, offline: true });
    expect(root.source).toBe('embedded');
    expect(root.fallbackReason).toMatch(/trusted_root\.json/);
  });
});

describe('online, when TUF fails before reaching the network', () => {
  it('falls back to the cache and reports the TUF failure', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'tuf'), 'a file where the TUF cache directory should be');
    writeFileSync(path.join(dir, 'trusted_root.json'), mockRootText);
    // A day old: due for a refresh, which fails here.
    const dayOld = new Date(Date.now() - TUF_REFRESH_MS - 60_000);
    utimesSync(path.join(dir, 'trusted_root.json'), dayOld, dayOld);
    const root = await loadTrustRoot({ cacheDir: dir, offline: false });
    expect(root.source).toBe('cache');
    expect(root.fallbackReason).toMatch(/^TUF refresh failed/);
  });

  it('uses a cached root less than a day old without trying TUF at all', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'tuf'), 'a file where the TUF cache directory should be');
    writeFileSync(path.join(dir, 'trusted_root.json'), mockRootText);
    const root = await loadTrustRoot({ cacheDir: dir, offline: false });
    expect(root.source).toBe('cache');
    expect(root.fallbackReason).toBeUndefined();
  });

  it('falls back to the embedded root when there is no cache', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'tuf'), 'x');
    const root = await loadTrustRoot({ cacheDir: path.join(dir, 'sub'), offline: false });
    expect(root.source).toBe('embedded');
    expect(root.fallbackReason).toMatch(/^TUF refresh failed/);
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
