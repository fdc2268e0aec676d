/**
 * Verification in worker threads gives exactly the verdicts of inline
 * verification (sigstore-js unpatched, in this process), for good and bad
 * attestations alike; the fast DER encoder is byte-identical; and a pool
 * never keeps the process alive. The pool runs the compiled worker, so
 * these tests need `npm run build` (npm test does it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectedDistribution, Identity } from '../src/core/types.js';
import { createVerifier, type AttestationVerdict } from '../src/verify/verifier.js';
import { createMockSigstore, type MintedAttestation, type MockSigstore } from './support/mint.ts';

const DIST = resolve(import.meta.dirname, '../dist/verify');
// The @sigstore/core that @sigstore/verify uses, and its own encoder, before anything here patches it.
const core = createRequire(createRequire(import.meta.url).resolve('@sigstore/verify'))('@sigstore/core');
const ORIGINAL_TO_DER = core.ASN1Obj.prototype.toDER;
const built = existsSync(resolve(DIST, 'verify-worker.js'));

interface Case {
  name: string;
  attestation: unknown;
  identity: Identity;
  expected: ExpectedDistribution;
}

const flip = (b64: string, at: number): string => {
  const bytes = Buffer.from(b64, 'base64');
  const i = at % bytes.length;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return bytes.toString('base64');
};

async function cases(sigstore: MockSigstore): Promise<Case[]> {
  const publisher = { kind: 'GitHub' as const, repository: 'acme/widget', workflow: 'release.yml' };
  const identity = { kind: 'GitHub', repository: 'acme/widget', workflow: 'release.yml' };
  const files = Array.from({ length: 6 }, (_, i) => ({ filename: `widget-1.${i}.tar.gz`, sha256: String.fromCharCode(97 + i).repeat(64) }));
  const batch = await sigstore.mintBatch({ publisher, files });
  const single = await sigstore.mint({ ...files[0]!, publisher });
  const gitlab = await sigstore.mint({
    filename: 'g-1.0.tar.gz',
    sha256: 'f'.repeat(64),
    publisher: { kind: 'GitLab', repository: 'ns/g', workflow_filepath: '.gitlab-ci.yml' },
  });
  const good = batch.map((attestation, i): Case => ({ name: `good ${i}`, attestation, identity, expected: files[i]! }));
  const tampered = (a: MintedAttestation, f: (c: MintedAttestation) => void): MintedAttestation => {
    const copy = structuredClone(a);
    f(copy);
    return copy;
  };
  return [
    ...good,
    { name: 'single mint', attestation: single, identity, expected: files[0]! },
    {
      name: 'gitlab',
      attestation: gitlab,
      identity: { kind: 'GitLab', repository: 'ns/g', workflow_filepath: '.gitlab-ci.yml' },
      expected: { filename: 'g-1.0.tar.gz', sha256: 'f'.repeat(64) },
    },
    { name: 'wrong digest', attestation: batch[1], identity, expected: { ...files[1]!, sha256: '0'.repeat(64) } },
    { name: 'wrong filename', attestation: batch[2], identity, expected: { ...files[2]!, filename: 'other-1.2.tar.gz' } },
    { name: 'wrong repository', attestation: batch[3], identity: { ...identity, repository: 'evil/widget' }, expected: files[3]! },
    {
      name: 'flipped signature',
      attestation: tampered(batch[4]!, (c) => (c.envelope.signature = flip(c.envelope.signature, 9))),
      identity,
      expected: files[4]!,
    },
    {
      name: 'flipped certificate',
      attestation: tampered(batch[5]!, (c) => (c.verification_material.certificate = flip(c.verification_material.certificate, 300))),
      identity,
      expected: files[5]!,
    },
    { name: 'not an attestation', attestation: { version: 1 }, identity, expected: files[0]! },
  ];
}

describe.skipIf(!built)('verification worker pool', () => {
  let sigstore: MockSigstore;
  let all: Case[];
  let inline: AttestationVerdict[];

  beforeAll(async () => {
    sigstore = await createMockSigstore();
    all = await cases(sigstore);
    // Inline, in this process, with sigstore-js exactly as published.
    const verifier = await createVerifier({ json: sigstore.trustedRoot });
    inline = [];
    for (const c of all) inline.push(await verifier.verify(c.attestation as never, c.identity, c.expected));
  });

  it('gives the same verdict as inline verification for every case', async () => {
    expect(inline.filter((v) => v.ok)).toHaveLength(8);
    const { startWorkerPool } = await import(pathToFileURL(resolve(DIST, 'worker-pool.js')).href);
    const pool = startWorkerPool({ trust: { json: sigstore.trustedRoot }, size: 2 });
    try {
      expect(await pool.ready).toBe(true);
      const verdicts = await Promise.all(all.map((c) => pool.verify(c.attestation, c.identity, c.expected)));
      expect(verdicts).toEqual(inline);
    } finally {
      await pool.close();
    }
  });

  it('the adaptive verifier hands over to the pool without changing a verdict', async () => {
    const { adaptiveVerifier } = await import(pathToFileURL(resolve(DIST, 'adaptive-verifier.js')).href);
    // The pool starts only after the first round, so that round is inline whatever the timing
    // (a busy machine can start workers before the main thread loads sigstore).
    const verifier = adaptiveVerifier({ json: sigstore.trustedRoot }, { poolAfter: all.length + 1, poolSize: 2 });
    try {
      // Rounds until the pool has taken some: inline first, then the pool, same verdicts throughout.
      let rounds = 0;
      while (rounds < 100 && verifier.counts.pool < all.length) {
        expect(await Promise.all(all.map((c) => verifier.verify(c.attestation, c.identity, c.expected)))).toEqual(inline);
        rounds++;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(verifier.counts.inline).toBeGreaterThan(0);
      expect(verifier.counts.pool).toBeGreaterThanOrEqual(all.length);
      expect(verifier.counts.inline + verifier.counts.pool).toBe(rounds * all.length);
    } finally {
      await verifier.close();
    }
  });

  it('the fast DER encoder reproduces @sigstore/core byte for byte', async () => {
    const original = ORIGINAL_TO_DER;
    const { installFastDer } = await import('../src/verify/fast-der.js');
    expect(installFastDer(sigstore.trustedRoot)).toBe(true);
    const fast = core.ASN1Obj.prototype.toDER;
    expect(fast).not.toBe(original);
    for (const c of all.slice(0, 8)) {
      const der = Buffer.from((c.attestation as MintedAttestation).verification_material.certificate, 'base64');
      const node = core.ASN1Obj.parseBuffer(der);
      expect(fast.call(node).equals(original.call(node))).toBe(true);
      expect(fast.call(node).equals(der)).toBe(true);
      for (const sub of node.subs) expect(fast.call(sub).equals(original.call(sub))).toBe(true);
    }
  });

  it("a job sent with its source (the document's bytes, transferred) gets the verdict of the parsed object", async () => {
    const { startWorkerPool } = await import(pathToFileURL(resolve(DIST, 'worker-pool.js')).href);
    const pool = startWorkerPool({ trust: { json: sigstore.trustedRoot }, size: 1 });
    try {
      const verdicts = await Promise.all(
        all.map((c, i) => {
          // A second attestation in the bundle, and bytes viewed inside a larger buffer: only the named one, only these bytes.
          const doc = Buffer.from(
            JSON.stringify({ version: 1, attestation_bundles: [{ publisher: { kind: 'GitHub' }, attestations: [{ version: 1 }, c.attestation] }] }),
          );
          const document = Buffer.concat([Buffer.from('x'.repeat(i)), doc]).subarray(i);
          return pool.verify({ version: 1 }, c.identity, c.expected, { document, digest: 'd', bundle: 0, attestation: 1 });
        }),
      );
      expect(verdicts).toEqual(inline);
      // A position the document does not hold is a failure, never a pass.
      const c = all[0]!;
      const doc = Buffer.from(JSON.stringify({ version: 1, attestation_bundles: [{ publisher: { kind: 'GitHub' }, attestations: [c.attestation] }] }));
      for (const at of [
        { bundle: 0, attestation: 1 },
        { bundle: 1, attestation: 0 },
      ]) {
        expect((await pool.verify(c.attestation, c.identity, c.expected, { document: doc, digest: 'd', ...at })).ok).toBe(false);
      }
    } finally {
      await pool.close();
    }
  });

  it('a document over RAW_DOCUMENT_LIMIT is not copied into every job: the parsed attestation travels instead', async () => {
    const { startWorkerPool, RAW_DOCUMENT_LIMIT } = await import(pathToFileURL(resolve(DIST, 'worker-pool.js')).href);
    const pool = startWorkerPool({ trust: { json: sigstore.trustedRoot }, size: 1 });
    try {
      const at = inline.findIndex((v) => v.ok);
      const c = all[at]!;
      // The bytes name a broken attestation and the parsed one is sound: the verdict says which travelled.
      const broken = { version: 1 };
      const doc = (pad: number) =>
        Buffer.from(JSON.stringify({ version: 1, attestation_bundles: [{ publisher: { kind: 'GitHub' }, attestations: [broken] }], pad: ' '.repeat(pad) }));
      const small = doc(0);
      const large = doc(RAW_DOCUMENT_LIMIT);
      expect(small.byteLength).toBeLessThanOrEqual(RAW_DOCUMENT_LIMIT);
      expect((await pool.verify(c.attestation, c.identity, c.expected, { document: small, digest: 'd', bundle: 0, attestation: 0 })).ok).toBe(false);
      expect(await pool.verify(c.attestation, c.identity, c.expected, { document: large, digest: 'd', bundle: 0, attestation: 0 })).toEqual(inline[at]);
    } finally {
      await pool.close();
    }
  });

  it("from the pool's start on, nothing more is verified on the main thread, queued jobs included", async () => {
    const { adaptiveVerifier } = await import(pathToFileURL(resolve(DIST, 'adaptive-verifier.js')).href);
    const verifier = adaptiveVerifier({ json: sigstore.trustedRoot }, { poolAfter: 3, poolSize: 1 });
    try {
      // All at once: the first two are inline (the second queued behind the first); the third starts the pool.
      expect(await Promise.all(all.map((c) => verifier.verify(c.attestation, c.identity, c.expected)))).toEqual(inline);
      expect(verifier.counts.inline).toBeLessThanOrEqual(2);
      expect(verifier.counts.pool).toBe(all.length - verifier.counts.inline);
    } finally {
      await verifier.close();
    }
  });

  it('a run that expects at least poolAfter verifications starts the pool at the first: none inline', async () => {
    const { adaptiveVerifier, POOL_AFTER } = await import(pathToFileURL(resolve(DIST, 'adaptive-verifier.js')).href);
    const verifier = adaptiveVerifier({ json: sigstore.trustedRoot }, { poolSize: 1 });
    try {
      verifier.expect(POOL_AFTER);
      for (const [i, c] of all.entries()) expect(await verifier.verify(c.attestation, c.identity, c.expected)).toEqual(inline[i]); // one at a time
      expect(verifier.counts).toEqual({ inline: 0, pool: all.length });
    } finally {
      await verifier.close();
    }
  });

  it('with no pool (poolSize 0), everything is verified inline', async () => {
    const { adaptiveVerifier } = await import(pathToFileURL(resolve(DIST, 'adaptive-verifier.js')).href);
    const verifier = adaptiveVerifier({ json: sigstore.trustedRoot }, { poolAfter: 1, poolSize: 0 });
    expect(await Promise.all(all.map((c) => verifier.verify(c.attestation, c.identity, c.expected)))).toEqual(inline);
    expect(verifier.counts).toEqual({ inline: all.length, pool: 0 });
    await verifier.close();
  });

  it('adds a worker while jobs stay backed up (verification, not the network, bounds the run), up to its maximum', async () => {
    const { startWorkerPool, BACKLOG_PER_WORKER } = await import(pathToFileURL(resolve(DIST, 'worker-pool.js')).href);
    const pool = startWorkerPool({ trust: { json: sigstore.trustedRoot }, size: 1, maxSize: 2 });
    try {
      expect(await pool.ready).toBe(true);
      // Keep a backlog well past the threshold until the pool grows: bounded by jobs, not by time.
      const backlog = 3 * BACKLOG_PER_WORKER;
      let sent = 0;
      const mismatches: string[] = [];
      const lane = async (): Promise<void> => {
        while (pool.size < 2 && sent < 20_000) {
          const i = sent++ % all.length;
          const verdict = await pool.verify(all[i]!.attestation, all[i]!.identity, all[i]!.expected);
          if (JSON.stringify(verdict) !== JSON.stringify(inline[i])) mismatches.push(all[i]!.name);
        }
      };
      await Promise.all(Array.from({ length: backlog }, lane));
      expect(pool.size).toBe(2);
      expect(mismatches).toEqual([]);
      // Never past its maximum, however far behind.
      await Promise.all(
        Array.from({ length: 4 * backlog }, (_, i) =>
          pool.verify(all[i % all.length]!.attestation, all[i % all.length]!.identity, all[i % all.length]!.expected),
        ),
      );
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('a worker without the fast DER encoder is said once, through onWarning', async () => {
    const { startWorkerPool } = await import(pathToFileURL(resolve(DIST, 'worker-pool.js')).href);
    const warnings: string[] = [];
    const pool = startWorkerPool({
      trust: { json: sigstore.trustedRoot },
      size: 2,
      workerUrl: new URL('./support/slow-der-worker.mjs', import.meta.url),
      onWarning: (m: string) => warnings.push(m),
    });
    try {
      expect(await pool.ready).toBe(true);
      await Promise.all([0, 1, 2, 3].map(() => pool.verify(all[0]!.attestation, all[0]!.identity, all[0]!.expected)));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/own DER encoder.*9\.9\.9.*4\.0\.1/);
    } finally {
      await pool.close();
    }
  });

  it('the fast DER encoder refuses what it cannot check, and says why', () => {
    // A fresh process: the encoder installs once per thread.
    const script = `
      const { installFastDer, fastDerProblem } = await import(${JSON.stringify(pathToFileURL(resolve(DIST, 'fast-der.js')).href)});
      console.log(JSON.stringify([installFastDer({ certificateAuthorities: [] }), fastDerProblem()]));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env['PATH'] ?? '' },
      timeout: 20_000,
      encoding: 'utf8',
    });
    const [installed, problem] = JSON.parse(r.stdout) as [boolean, string];
    expect(installed).toBe(false);
    expect(problem).toMatch(/no certificate/);
  });

  it('package.json pins @sigstore/core to exactly the version the fast DER encoder was checked against', async () => {
    const { CHECKED_VERSION } = await import('../src/verify/fast-der.js');
    const manifest = JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@sigstore/core']).toBe(CHECKED_VERSION);
    expect(core.ASN1Obj).toBeDefined();
    const installed = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@sigstore/core/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(CHECKED_VERSION);
  });

  it('the fast DER encoder reproduces @sigstore/core on every length form: short, and one to three length bytes', async () => {
    const { installFastDer } = await import('../src/verify/fast-der.js');
    expect(installFastDer(sigstore.trustedRoot)).toBe(true);
    // Definite lengths written out by hand, so the input does not come from either encoder.
    const length = (n: number): Buffer =>
      n < 128
        ? Buffer.of(n)
        : n < 256
          ? Buffer.of(0x81, n)
          : n < 65536
            ? Buffer.of(0x82, n >> 8, n & 0xff)
            : Buffer.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
    const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.of(tag), length(content.length), content]);
    const octets = (n: number): Buffer => tlv(0x04, Buffer.alloc(n, 0x5a)); // not DER inside: stays a primitive
    const der = tlv(
      0x30,
      Buffer.concat([
        octets(0),
        octets(127),
        octets(128),
        octets(255),
        octets(256),
        octets(70_000),
        tlv(0x30, Buffer.concat([tlv(0x02, Buffer.of(5)), octets(3)])),
      ]),
    );
    const node = core.ASN1Obj.parseBuffer(der);
    const fast = core.ASN1Obj.prototype.toDER;
    expect(fast).not.toBe(ORIGINAL_TO_DER);
    expect(fast.call(node).equals(der)).toBe(true);
    expect(fast.call(node).equals(ORIGINAL_TO_DER.call(node))).toBe(true);
    for (const sub of node.subs) expect(fast.call(sub).equals(ORIGINAL_TO_DER.call(sub))).toBe(true);
  });

  it('a worker that dies loses its jobs as failures the caller can tell apart, never as passes', async () => {
    const { startWorkerPool, isLostVerdict } = await import(pathToFileURL(resolve(DIST, 'worker-pool.js')).href);
    const pool = startWorkerPool({ trust: { json: sigstore.trustedRoot }, size: 1, workerUrl: new URL('./support/crashing-worker.mjs', import.meta.url) });
    try {
      expect(await pool.ready).toBe(true);
      const c = all[0]!;
      const first = await pool.verify(c.attestation, c.identity, c.expected);
      expect(first.ok).toBe(false);
      expect(isLostVerdict(first)).toBe(true);
      const after = await pool.verify(c.attestation, c.identity, c.expected); // no worker left
      expect(after.ok).toBe(false);
      expect(isLostVerdict(after)).toBe(true);
      expect(isLostVerdict(inline[9]!)).toBe(false); // a real failure is not "lost"
    } finally {
      await pool.close();
    }
  });

  it('an idle pool never keeps the process alive, closed or not', () => {
    const script = `
      const { startWorkerPool } = await import(${JSON.stringify(pathToFileURL(resolve(DIST, 'worker-pool.js')).href)});
      const c = JSON.parse(process.env.CASE);
      const pool = startWorkerPool({ trust: { json: c.root }, size: 2 });
      const v = await pool.verify(c.attestation, c.identity, c.expected);
      console.log(v.ok, v.ok ? '' : JSON.stringify(v));
      if (process.env.CLOSE === '1') await pool.close();
    `;
    const c = { root: sigstore.trustedRoot, attestation: all[0]!.attestation, identity: all[0]!.identity, expected: all[0]!.expected };
    for (const close of ['0', '1']) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env['PATH'] ?? '', CASE: JSON.stringify(c), CLOSE: close },
        timeout: 20_000,
        encoding: 'utf8',
      });
      expect(r.signal).toBeNull(); // not killed by the timeout: it ended on its own
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split(' ')[0], r.stdout + r.stderr).toBe('true');
    }
  });
});
