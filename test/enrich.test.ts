import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { enrich } from '../src/app/enrich.js';
import { loadTrustRoot } from '../src/verify/trust.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, type MockSigstore } from './support/mint.ts';
import { checkWithPackagingPylock, PylockOracle } from './support/pylock-oracle.ts';
import { HAS_INTEROP, interopJson, interopText, REAL_PROVENANCE, sdistLockfile, tempDir } from './support/workspace.ts';

/** Every lockfile enrich rewrites here is read back by Python's packaging.pylock (end of file). */
const oracle = new PylockOracle();

const REAL = REAL_PROVENANCE;

function identitiesIn(text: string): Record<string, unknown> {
  const data = parse(text) as { packages: Array<Record<string, unknown>> };
  return Object.fromEntries(data.packages.map((p) => [p['name'], p['attestation-identities']]));
}

describe.skipIf(!HAS_INTEROP)('enrich with real PyPI provenance (production trust root)', () => {
  let index: FakeIndex;
  const ws = tempDir();
  let root: string;

  beforeAll(async () => {
    const trust = await loadTrustRoot({ offline: true });
    root = ws.file('production-trusted_root.json', JSON.stringify(trust.json));
    index = await startFakeIndex({ files: REAL.map((r) => ({ ...r, provenance: interopJson(r.provenance) })) });
  });
  afterAll(async () => {
    await index?.close();
    oracle.settle();
    ws.cleanup();
  });

  for (const mode of ['simple', 'integrity'] as const) {
    it(`verifies every real provenance object and writes its identity (${mode} API)`, async () => {
      const path = oracle.track(ws.file(`real-${mode}.pylock.toml`, sdistLockfile(REAL)));
      const result = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, provenanceSource: mode });
      expect(result.exitCode).toBe(0);
      expect(result.lockfiles[0]!.packages.map((p) => p.status)).toEqual(['verified', 'verified', 'verified', 'verified']);
      const written = identitiesIn(readFileSync(path, 'utf8'));
      for (const r of REAL) expect(written[r.project]).toEqual([r.identity]);
    });
  }

  it('is idempotent: a second run changes nothing', async () => {
    const path = oracle.track(ws.file('twice.pylock.toml', sdistLockfile(REAL)));
    await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root });
    const once = readFileSync(path);
    const again = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root });
    expect(again.exitCode).toBe(0);
    expect(again.lockfiles[0]!.changed).toBe(false);
    expect(readFileSync(path).equals(once)).toBe(true);
  });

  it('rejects the staging attestation against the production root', async () => {
    const staging = interopJson('provenance/rfc8785-0.1.2-py3-none-any.whl.staging.attestation.json');
    const file = {
      project: 'rfc8785',
      version: '0.1.2',
      filename: 'rfc8785-0.1.2-py3-none-any.whl',
      sha256: 'c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201',
    };
    const provenance = {
      version: 1,
      attestation_bundles: [
        { publisher: { kind: 'GitHub', repository: 'trailofbits/rfc8785.py', workflow: 'release.yml', environment: null }, attestations: [staging] },
      ],
    };
    const stagingIndex = await startFakeIndex({ files: [{ ...file, provenance }] });
    try {
      const text = sdistLockfile([file])
        .replace('sdist = {', 'wheels = [{')
        .replace(/} }\n$/, '} }]\n');
      const path = oracle.track(ws.file('staging.pylock.toml', text));
      const result = await enrich([path], { indexUrl: stagingIndex.simpleUrl, trustedRoot: root });
      expect(result.exitCode).toBe(1);
      expect(result.lockfiles[0]!.packages[0]).toMatchObject({ status: 'invalid', action: 'kept' });
      expect(result.lockfiles[0]!.findings[0]!.category).toBe('verification-failed');
      expect(readFileSync(path, 'utf8')).toBe(text);
    } finally {
      await stagingIndex.close();
    }
  });

  describe('tampered copies are rejected and the file is left byte-identical', () => {
    const base = REAL[3]!;
    const flip = (b64: string, at: number) => {
      const bytes = Buffer.from(b64, 'base64');
      const i = at % bytes.length;
      bytes[i] = (bytes[i] ?? 0) ^ 0x01;
      return bytes.toString('base64');
    };
    const cases: Array<[string, (p: any) => void, Partial<FakeFile>?]> = [
      [
        'one byte of the signature',
        (p) => {
          const e = p.attestation_bundles[0].attestations[0].envelope;
          e.signature = flip(e.signature, 10);
        },
      ],
      [
        'one byte of the statement',
        (p) => {
          const e = p.attestation_bundles[0].attestations[0].envelope;
          e.statement = flip(e.statement, 40);
        },
      ],
      [
        'a wrong repository in the publisher',
        (p) => {
          p.attestation_bundles[0].publisher.repository = 'pypa/sampleproject-evil';
        },
      ],
      [
        'a wrong workflow in the publisher',
        (p) => {
          p.attestation_bundles[0].publisher.workflow = 'other.yml';
        },
      ],
      [
        'a wrong kind in the publisher',
        (p) => {
          p.attestation_bundles[0].publisher.kind = 'GitLab';
          p.attestation_bundles[0].publisher.workflow_filepath = 'release.yml';
        },
      ],
    ];
    for (const [name, tamper] of cases) {
      it(name, async () => {
        const provenance = interopJson(base.provenance);
        tamper(provenance);
        const idx = await startFakeIndex({ files: [{ ...base, provenance }] });
        try {
          const text = sdistLockfile([base]);
          const path = oracle.track(ws.file(`tampered-${name.replace(/\W+/g, '-')}.toml`, text));
          const result = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root });
          expect(result.exitCode).toBe(1);
          expect(result.lockfiles[0]!.packages[0]!.status).toBe('invalid');
          expect(readFileSync(path, 'utf8')).toBe(text);
        } finally {
          await idx.close();
        }
      });
    }

    it('a wrong digest in the lockfile (index agrees with the lock, the attestation does not)', async () => {
      const wrong = { ...base, sha256: 'f'.repeat(64) };
      const idx = await startFakeIndex({ files: [{ ...wrong, provenance: interopJson(base.provenance) }] });
      try {
        const text = sdistLockfile([wrong]);
        const path = oracle.track(ws.file('wrong-digest.toml', text));
        const result = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root, provenanceSource: 'integrity' });
        expect(result.exitCode).toBe(1);
        expect(result.lockfiles[0]!.packages[0]!.files[0]!.detail).toMatch(/statement/);
        expect(readFileSync(path, 'utf8')).toBe(text);
      } finally {
        await idx.close();
      }
    });
  });
});

describe('enrich with minted attestations (mock Sigstore)', () => {
  let sigstore: MockSigstore;
  const ws = tempDir();
  let root: string;

  beforeAll(async () => {
    sigstore = await createMockSigstore();
    root = ws.file('mock-trusted_root.json', JSON.stringify(sigstore.trustedRoot));
  });
  afterAll(() => {
    oracle.settle();
    ws.cleanup();
  });

  async function provenanceFor(
    filename: string,
    sha256: string,
    publisher: { kind: 'GitHub'; repository: string; workflow: string },
    environment: string | null = null,
  ) {
    const attestation = await sigstore.mint({ filename, sha256, publisher });
    return { version: 1, attestation_bundles: [{ publisher: { ...publisher, environment }, attestations: [attestation] }] };
  }

  it('reports a publisher change, keeps the recorded identity and exits 1; --allow-identity-change writes it', async () => {
    const f = { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', sha256: 'c'.repeat(64) };
    const idx = await startFakeIndex({
      files: [{ ...f, provenance: await provenanceFor(f.filename, f.sha256, { kind: 'GitHub', repository: 'new-owner/demo', workflow: 'release.yml' }) }],
    });
    try {
      const text = sdistLockfile([f]) + '\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "old-owner/demo"\nworkflow = "release.yml"\n';
      const path = oracle.track(ws.file('changed.toml', text));
      const strict = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root });
      expect(strict.exitCode).toBe(1);
      expect(strict.lockfiles[0]!.findings[0]).toMatchObject({ category: 'publisher-changed', subkind: 'repository' });
      expect(readFileSync(path, 'utf8')).toBe(text);
      const allowed = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root, allowIdentityChange: true });
      expect(allowed.exitCode).toBe(0);
      expect(identitiesIn(readFileSync(path, 'utf8'))['demo']).toEqual([{ kind: 'GitHub', repository: 'new-owner/demo', workflow: 'release.yml' }]);
    } finally {
      await idx.close();
    }
  });

  it('de-duplicates requests across lockfiles and writes nothing on --dry-run', async () => {
    const f = { project: 'shared', version: '2.0', filename: 'shared-2.0.tar.gz', sha256: 'd'.repeat(64) };
    const idx = await startFakeIndex({
      files: [{ ...f, provenance: await provenanceFor(f.filename, f.sha256, { kind: 'GitHub', repository: 'o/shared', workflow: 'ci.yml' }, 'pypi') }],
    });
    try {
      const text = sdistLockfile([f]);
      const a = oracle.track(ws.file('a.toml', text));
      const b = oracle.track(ws.file('b.toml', text));
      const result = await enrich([a, b], { indexUrl: idx.simpleUrl, trustedRoot: root, dryRun: true });
      expect(result.exitCode).toBe(0);
      expect(result.lockfiles.map((l) => [l.changed, l.written])).toEqual([
        [true, false],
        [true, false],
      ]);
      expect(idx.requests.length).toBe(2); // one simple page + one provenance, shared by both files
      expect(readFileSync(a, 'utf8')).toBe(text);
      oracle.texts('dry-run newText', text, result.lockfiles[0]!.newText!);
      expect(identitiesIn(result.lockfiles[0]!.newText!)['shared']).toEqual([
        { kind: 'GitHub', repository: 'o/shared', workflow: 'ci.yml', environment: 'pypi' },
      ]);
    } finally {
      await idx.close();
    }
  });

  it('writes identities from claims with --no-verify, and says so in the result', async () => {
    const f = { project: 'nov', version: '1', filename: 'nov-1.tar.gz', sha256: 'e'.repeat(64) };
    const provenance = await provenanceFor(f.filename, 'f'.repeat(64), { kind: 'GitHub', repository: 'o/nov', workflow: 'w.yml' });
    const idx = await startFakeIndex({ files: [{ ...f, provenance }] });
    try {
      const path = oracle.track(ws.file('nov.toml', sdistLockfile([f])));
      const verified = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root, dryRun: true });
      expect(verified.exitCode).toBe(1); // the subject digest does not match: never written when verifying
      const unverified = await enrich([path], { indexUrl: idx.simpleUrl, verify: false });
      expect(unverified).toMatchObject({ verification: false, exitCode: 0 });
      expect(unverified.lockfiles[0]!.packages[0]!.status).toBe('unverified');
    } finally {
      await idx.close();
    }
  });

  it('treats 403 as unavailable (exit 3, file untouched) and 404 as no provenance', async () => {
    const ok = { project: 'ok', version: '1', filename: 'ok-1.tar.gz', sha256: '1'.repeat(64) };
    const gone = { project: 'gone', version: '1', filename: 'gone-1.tar.gz', sha256: '2'.repeat(64) };
    const idx = await startFakeIndex({
      files: [
        { ...ok, provenance: await provenanceFor(ok.filename, ok.sha256, { kind: 'GitHub', repository: 'o/ok', workflow: 'w.yml' }) },
        { ...gone, provenance: null },
      ],
    });
    try {
      const text = sdistLockfile([ok, gone]);
      const path = oracle.track(ws.file('403.toml', text));
      const none = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root, provenanceSource: 'integrity', dryRun: true });
      expect(none.lockfiles[0]!.packages.map((p) => p.status)).toEqual(['verified', 'no-provenance']);
      expect(none.exitCode).toBe(0);
      idx.setFault((req) => (req.path.includes('/ok/') ? { status: 403, body: '{"message":"disabled"}' } : undefined));
      const blocked = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root, provenanceSource: 'integrity' });
      expect(blocked.exitCode).toBe(3);
      expect(readFileSync(path, 'utf8')).toBe(text);
    } finally {
      await idx.close();
    }
  });
});

describe.skipIf(!HAS_INTEROP)('enrich the real lockfiles written by the spec, uv and pip', () => {
  const ws = tempDir();
  let sigstore: MockSigstore;
  let root: string;
  beforeAll(async () => {
    sigstore = await createMockSigstore();
    root = ws.file('mock-root.json', JSON.stringify(sigstore.trustedRoot));
  });
  afterAll(() => {
    oracle.settle();
    ws.cleanup();
  });

  /** Every locked file gets provenance from `owner/<project>`; attrs keeps the identity the spec example records. */
  async function indexFor(text: string) {
    const { parseLock } = await import('../src/core/lockfile.js');
    const files: FakeFile[] = [];
    for (const pkg of parseLock(text, 'x').packages) {
      for (const file of pkg.files) {
        const publisher =
          pkg.name === 'attrs'
            ? { kind: 'GitHub' as const, repository: 'python-attrs/attrs', workflow: 'pypi-package.yml' }
            : { kind: 'GitHub' as const, repository: `owner/${pkg.name}`, workflow: 'release.yml' };
        const attestation = await sigstore.mint({ filename: file.filename, sha256: file.sha256, publisher });
        const environment = pkg.name === 'attrs' ? 'release-pypi' : null;
        files.push({
          project: pkg.name,
          version: pkg.version!,
          filename: file.filename,
          sha256: file.sha256,
          provenance: { version: 1, attestation_bundles: [{ publisher: { ...publisher, environment }, attestations: [attestation] }] },
        });
      }
    }
    return startFakeIndex({ files });
  }

  for (const name of ['spec-example.pylock.toml', 'uv-export.pylock.toml', 'pip-lock.pylock.toml']) {
    it(`${name}: identities added, every other byte kept, second run a no-op`, async () => {
      const original = interopText(`lockfiles/${name}`);
      const idx = await indexFor(original);
      try {
        const path = oracle.track(ws.file(name, original));
        const result = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root });
        expect(result.exitCode).toBe(0);
        const out = readFileSync(path, 'utf8');
        const before = parse(original) as { packages: Array<Record<string, unknown>> };
        const after = parse(out) as { packages: Array<Record<string, unknown>> };
        after.packages.forEach((p, i) => {
          const files = result.lockfiles[0]!.packages[i]!.files.length;
          if (p['name'] === 'attrs')
            expect(p['attestation-identities']).toEqual([
              { environment: 'release-pypi', kind: 'GitHub', repository: 'python-attrs/attrs', workflow: 'pypi-package.yml' },
            ]);
          else if (files > 0) expect(p['attestation-identities']).toEqual([{ kind: 'GitHub', repository: `owner/${p['name']}`, workflow: 'release.yml' }]);
          else expect(p['attestation-identities']).toBeUndefined();
          const { ['attestation-identities']: _, ...rest } = p;
          const { ['attestation-identities']: __, ...orig } = before.packages[i]!;
          expect(JSON.stringify(rest)).toBe(JSON.stringify(orig));
        });
        // Strip the lines we inserted: the original bytes come back.
        const inserted = out.split('\n');
        const kept = original.split('\n');
        let j = 0;
        const stripped = inserted.filter((line) => (j < kept.length && line === kept[j] ? (j++, true) : false));
        expect(stripped.join('\n')).toBe(original);
        const again = await enrich([path], { indexUrl: idx.simpleUrl, trustedRoot: root });
        expect(again.lockfiles[0]!.changed).toBe(false);
        expect(readFileSync(path, 'utf8')).toBe(out);
      } finally {
        await idx.close();
      }
    });
  }
});

checkWithPackagingPylock(oracle);
