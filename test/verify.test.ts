import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Attestation, ExpectedDistribution, Identity } from '../src/core/types.js';
import { loadTrustRoot } from '../src/verify/trust.js';
import { createVerifier, type AttestationVerdict, type AttestationVerifier } from '../src/verify/verifier.js';
import { interopGate, interopPath, readInteropJson } from './support/interop.js';
import { createMockSigstore, type MintOptions, type MockSigstore } from './support/mint.js';

/** A tiny publisher → PEP 751 identity mapping: flat scalar keys, no claims, empty/null environment dropped. */
function identityOf(publisher: Record<string, unknown>): Identity {
  const id: Identity = { kind: String(publisher.kind) };
  for (const [k, v] of Object.entries(publisher)) {
    if (k === 'kind' || k === 'claims' || v === null || v === '') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') id[k] = v;
  }
  return id;
}

interface RealCase {
  file: string;
  expected: ExpectedDistribution;
}

// Filenames and digests from ../shared/interop/README.md.
const REAL: RealCase[] = [
  {
    file: 'pypi_attestations-0.0.19.tar.gz.provenance.json',
    expected: { filename: 'pypi_attestations-0.0.19.tar.gz', sha256: '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3' },
  },
  {
    file: 'pep740-sampleproject-1.0.0.tar.gz.provenance.json',
    expected: { filename: 'pep740_sampleproject-1.0.0.tar.gz', sha256: '6cdd4a1a0a49aeef47265e7bf8ec1667257b397d34d731dc7b7af349deca1cd8' },
  },
  {
    file: 'gcb_attestation_test-0.0.0.tar.gz.provenance.json',
    expected: { filename: 'gcb_attestation_test-0.0.0.tar.gz', sha256: '461317362419124b6012e855423a9078d6de8aed3e74fa78cc74d669b23dc6cf' },
  },
  {
    file: 'sampleproject-4.0.0.tar.gz.docs-example.provenance.json',
    expected: { filename: 'sampleproject-4.0.0.tar.gz', sha256: '0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b' },
  },
];
const STAGING_FILE = 'rfc8785-0.1.2-py3-none-any.whl.staging.attestation.json';
const STAGING_EXPECTED: ExpectedDistribution = {
  filename: 'rfc8785-0.1.2-py3-none-any.whl',
  sha256: 'c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201',
};

interface Bundle740 {
  publisher: Record<string, unknown>;
  attestations: Attestation[];
}
function bundlesOf(file: string): Bundle740[] {
  return (readInteropJson(`provenance/${file}`) as { attestation_bundles: Bundle740[] }).attestation_bundles;
}
function firstOf(file: string): { att: Attestation; identity: Identity } {
  const b = bundlesOf(file)[0]!;
  return { att: b.attestations[0]!, identity: identityOf(b.publisher) };
}

const clone = <T>(v: T): T => structuredClone(v);

function expectFail(v: AttestationVerdict, stage: string): void {
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.stage).toBe(stage);
}

/** Flips one bit of the byte at `index` of a base64 field. */
function flipByte(b64: string, index: number): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index] = bytes[index]! ^ 0x01;
  return bytes.toString('base64');
}

async function productionVerifier(): Promise<AttestationVerifier> {
  const root = await loadTrustRoot({ offline: true });
  expect(root.source).toBe('embedded');
  return createVerifier(root);
}

const gate = interopGate('provenance', 'trust/staging-trusted_root.json');

describe.skipIf(gate.skip)(`real PyPI provenance on the production root${gate.note}`, () => {
  let prod: AttestationVerifier;
  beforeAll(async () => {
    prod = await productionVerifier();
  });

  it.each(REAL)('every attestation in $file verifies', async ({ file, expected }) => {
    let count = 0;
    for (const bundle of bundlesOf(file)) {
      for (const att of bundle.attestations) {
        const v = await prod.verify(att, identityOf(bundle.publisher), expected);
        expect(v).toMatchObject({ ok: true, predicateType: 'https://docs.pypi.org/attestations/publish/v1' });
        count++;
      }
    }
    expect(count).toBeGreaterThan(0);
  });

  it('reports what the certificate says, and what it cannot vouch for', async () => {
    const { att, identity } = firstOf(REAL[0]!.file);
    const v = await prod.verify(att, { ...identity, environment: 'pypi' }, REAL[0]!.expected);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.certificate.issuer).toBe('https://token.actions.githubusercontent.com');
    expect(v.certificate.sourceRepositoryUri).toBe('https://github.com/trailofbits/pypi-attestations');
    expect(v.certificate.buildConfigUri).toMatch(/^https:\/\/github\.com\/trailofbits\/pypi-attestations\/\.github\/workflows\/release\.yml@/);
    expect(v.unverifiedIdentityKeys).toEqual(['environment']);
    expect(v.signedAt).toBe('2024-12-04T23:14:01.000Z');
  });

  it('accepts the subject under another spelling of the same sdist name', async () => {
    const { att, identity } = firstOf(REAL[1]!.file);
    const v = await prod.verify(att, identity, { ...REAL[1]!.expected, filename: 'pep740-sampleproject-1.0.0.tar.gz' });
    expect(v.ok).toBe(true);
  });

  it('rejects the staging attestation on the production root', async () => {
    const att = readInteropJson(`provenance/${STAGING_FILE}`) as Attestation;
    const v = await prod.verify(att, { kind: 'GitHub', repository: 'woodruffw/rfc8785.py', workflow: 'release.yml' }, STAGING_EXPECTED);
    expectFail(v, 'sigstore');
  });

  describe('tampered copies', () => {
    const gh = () => firstOf(REAL[0]!.file);
    const expected = REAL[0]!.expected;

    it('one byte of the signature', async () => {
      const { att, identity } = gh();
      const t = clone(att);
      t.envelope.signature = flipByte(t.envelope.signature, 20);
      expectFail(await prod.verify(t, identity, expected), 'sigstore');
    });

    it('one byte of the statement', async () => {
      const { att, identity } = gh();
      const t = clone(att);
      t.envelope.statement = flipByte(t.envelope.statement, 60);
      expectFail(await prod.verify(t, identity, expected), 'sigstore');
    });

    it('one byte of the certificate', async () => {
      const { att, identity } = gh();
      const t = clone(att);
      t.verification_material.certificate = flipByte(t.verification_material.certificate, 400);
      expect((await prod.verify(t, identity, expected)).ok).toBe(false);
    });

    it('a statement taken from another attestation', async () => {
      const { att, identity } = gh();
      const t = clone(att);
      t.envelope.statement = firstOf(REAL[3]!.file).att.envelope.statement;
      expectFail(await prod.verify(t, identity, expected), 'sigstore');
    });

    it('the transparency entry of another attestation', async () => {
      const { att, identity } = gh();
      const t = clone(att);
      t.verification_material.transparency_entries = clone(firstOf(REAL[3]!.file).att.verification_material.transparency_entries);
      expectFail(await prod.verify(t, identity, expected), 'sigstore');
    });

    it('an inclusion proof whose root hash disagrees with its checkpoint', async () => {
      const { att, identity } = gh();
      const t = clone(att);
      const entry = t.verification_material.transparency_entries[0] as { inclusionProof: { rootHash: string } };
      entry.inclusionProof.rootHash = Buffer.alloc(32, 7).toString('base64');
      expectFail(await prod.verify(t, identity, expected), 'sigstore');
    });

    it('a wrong digest', async () => {
      const { att, identity } = gh();
      expectFail(await prod.verify(att, identity, { ...expected, sha256: '0'.repeat(64) }), 'statement');
    });

    it('a malformed expected digest', async () => {
      const { att, identity } = gh();
      expectFail(await prod.verify(att, identity, { ...expected, sha256: 'not-hex' }), 'statement');
    });

    it('a wrong filename (same digest)', async () => {
      const { att, identity } = gh();
      for (const filename of [
        'pypi_attestations-0.0.20.tar.gz',
        'pypi_attestation-0.0.19.tar.gz',
        'pypi_attestations-0.0.19.zip',
        'pypi_attestations-0.0.19-py3-none-any.whl',
      ]) {
        expectFail(await prod.verify(att, identity, { ...expected, filename }), 'statement');
      }
    });

    it('a wrong repository, also when it differs only in case', async () => {
      const { att, identity } = gh();
      for (const repository of ['trailofbits/pypi-attestation', 'TrailOfBits/pypi-attestations', 'evil/pypi-attestations', 'trailofbits/pypi-attestations/x']) {
        expectFail(await prod.verify(att, { ...identity, repository }, expected), 'policy');
      }
    });

    it('a wrong workflow', async () => {
      const { att, identity } = gh();
      for (const workflow of ['publish.yml', 'Release.yml', 'release.yaml', '../release.yml', '']) {
        expectFail(await prod.verify(att, { ...identity, workflow }, expected), 'policy');
      }
    });

    it('a wrong kind', async () => {
      const { att, identity } = gh();
      expectFail(await prod.verify(att, { ...identity, kind: 'GitLab', workflow_filepath: 'release.yml' }, expected), 'policy');
      expectFail(await prod.verify(att, { kind: 'Google', email: 'trailofbits@github.com' }, expected), 'policy');
      expectFail(await prod.verify(att, { ...identity, kind: 'github' }, expected), 'policy');
    });

    it('an unknown kind is never verified', async () => {
      const { att, identity } = gh();
      expectFail(await prod.verify(att, { ...identity, kind: 'ActiveState' }, expected), 'policy');
      expectFail(await prod.verify(att, { ...identity, kind: 'Buildkite' }, expected), 'policy');
    });

    it('a wrong GitLab path or repository', async () => {
      const { att, identity } = firstOf(REAL[1]!.file);
      const exp = REAL[1]!.expected;
      expectFail(await prod.verify(att, { ...identity, workflow_filepath: 'ci/.gitlab-ci.yml' }, exp), 'policy');
      expectFail(await prod.verify(att, { ...identity, workflow_filepath: '/.gitlab-ci.yml' }, exp), 'policy');
      expectFail(await prod.verify(att, { ...identity, repository: 'pep740-example/other' }, exp), 'policy');
      expectFail(await prod.verify(att, { ...identity, repository: 'pep740-example' }, exp), 'policy');
      expectFail(await prod.verify(att, { kind: 'GitHub', repository: 'pep740-example/sampleproject', workflow: '.gitlab-ci.yml' }, exp), 'policy');
    });

    it('a wrong Google email', async () => {
      const { att, identity } = firstOf(REAL[2]!.file);
      const exp = REAL[2]!.expected;
      expectFail(await prod.verify(att, { ...identity, email: 'someone@developer.gserviceaccount.com' }, exp), 'policy');
      expectFail(await prod.verify(att, { ...identity, email: String(identity.email).toUpperCase() }, exp), 'policy');
      expectFail(await prod.verify(att, { kind: 'Google' }, exp), 'policy');
    });

    it('garbage and oversized fields', async () => {
      const { att, identity } = gh();
      const cases: unknown[] = [
        null,
        'attestation',
        { ...att, version: 2 },
        { ...att, envelope: null },
        { ...att, envelope: { ...att.envelope, signature: 42 } },
        { ...att, envelope: { ...att.envelope, signature: '' } },
        { ...att, envelope: { ...att.envelope, signature: 'A'.repeat(4096) } },
        { ...att, envelope: { ...att.envelope, statement: `${att.envelope.statement}!!` } },
        { ...att, envelope: { ...att.envelope, statement: 'A'.repeat(2 * 1024 * 1024) } },
        { ...att, verification_material: { ...att.verification_material, certificate: ['x'] } },
        { ...att, verification_material: { ...att.verification_material, certificate: 'A'.repeat(64 * 1024) } },
        { ...att, verification_material: { ...att.verification_material, transparency_entries: 'x' } },
        { ...att, verification_material: { ...att.verification_material, transparency_entries: [null] } },
        {
          ...att,
          verification_material: { ...att.verification_material, transparency_entries: Array(9).fill(att.verification_material.transparency_entries[0]) },
        },
        {
          ...att,
          verification_material: {
            ...att.verification_material,
            transparency_entries: [{ ...(att.verification_material.transparency_entries[0] as object), canonicalizedBody: 'A'.repeat(300 * 1024) }],
          },
        },
      ];
      for (const c of cases) expectFail(await prod.verify(c as Attestation, identity, expected), 'bundle');
    });

    it('garbage inside the transparency entry never throws', async () => {
      const { att, identity } = gh();
      const entry = att.verification_material.transparency_entries[0] as Record<string, unknown>;
      const mutations: Record<string, unknown>[] = [
        { logIndex: 'abc' },
        { integratedTime: { x: 1 } },
        { kindVersion: null },
        { kindVersion: { kind: 'intoto', version: '0.0.2' } },
        { logId: { keyId: 12 } },
        { inclusionProof: undefined },
        { inclusionPromise: undefined },
        { canonicalizedBody: Buffer.from('{"kind":').toString('base64') },
        { inclusionProof: { ...(entry.inclusionProof as object), hashes: 'x' } },
        { inclusionProof: { ...(entry.inclusionProof as object), checkpoint: { envelope: 'nonsense' } } },
      ];
      for (const m of mutations) {
        const t = clone(att);
        t.verification_material.transparency_entries = [{ ...entry, ...m }];
        const v = await prod.verify(t, identity, expected);
        expect(v.ok).toBe(false);
      }
    });

    it('zero transparency entries', async () => {
      const { att, identity } = gh();
      const t = clone(att);
      t.verification_material.transparency_entries = [];
      expectFail(await prod.verify(t, identity, expected), 'bundle');
    });

    it('garbage identity or expected distribution', async () => {
      const { att } = gh();
      expectFail(await prod.verify(att, null as unknown as Identity, expected), 'policy');
      expectFail(await prod.verify(att, { kind: 'GitHub', repository: 7, workflow: 'release.yml' } as unknown as Identity, expected), 'policy');
      expectFail(await prod.verify(att, gh().identity, { filename: 3 } as unknown as ExpectedDistribution), 'statement');
    });
  });
});

describe.skipIf(gate.skip)(`staging attestation on the staging root${gate.note}`, () => {
  it('passes sigstore but no PyPI publisher policy', async () => {
    const root = JSON.parse(readFileSync(interopPath('trust/staging-trusted_root.json'), 'utf8')) as unknown;
    const staging = await createVerifier({ json: root });
    const att = readInteropJson(`provenance/${STAGING_FILE}`) as Attestation;
    const identities: Identity[] = [
      { kind: 'GitHub', repository: 'woodruffw/rfc8785.py', workflow: 'release.yml' },
      { kind: 'GitLab', repository: 'woodruffw/rfc8785.py', workflow_filepath: '.gitlab-ci.yml' },
      { kind: 'Google', email: 'william@yossarian.net' },
      { kind: 'Other', email: 'william@yossarian.net' },
    ];
    // Reaching 'policy' means bundle and sigstore stages passed.
    for (const id of identities) expectFail(await staging.verify(att, id, STAGING_EXPECTED), 'policy');
  });
});

describe('minted attestations (offline mock Sigstore)', () => {
  let mock: MockSigstore;
  let verifier: AttestationVerifier;
  const file = { filename: 'demo_pkg-1.2.3-py3-none-any.whl', sha256: 'ab'.repeat(32) };
  const github = { kind: 'GitHub', repository: 'octo/demo', workflow: 'release.yml' } as const;
  const gitlab = { kind: 'GitLab', repository: 'group/sub/demo', workflow_filepath: 'ci/release.yml' } as const;
  const google = { kind: 'Google', email: 'builder@demo.iam.gserviceaccount.com' } as const;
  const mint = (o: Partial<MintOptions> = {}) => mock.mint({ ...file, publisher: github, ...o });

  beforeAll(async () => {
    mock = await createMockSigstore();
    verifier = await createVerifier({ json: mock.trustedRoot });
  });

  it.each([github, gitlab, google])('a $kind attestation verifies', async (publisher) => {
    const att = await mint({ publisher });
    const v = await verifier.verify(att, { ...publisher }, file);
    expect(v.ok).toBe(true);
  });

  it('an SLSA provenance predicate verifies too; an unknown one does not', async () => {
    expect((await verifier.verify(await mint({ predicateType: 'https://slsa.dev/provenance/v1' }), { ...github }, file)).ok).toBe(true);
    expectFail(await verifier.verify(await mint({ predicateType: 'https://example.com/evil/v1' }), { ...github }, file), 'statement');
  });

  it('minted with one publisher, checked against another, fails', async () => {
    const pubs = [github, gitlab, google];
    for (const minted of pubs) {
      const att = await mint({ publisher: minted });
      for (const checked of pubs) {
        if (checked === minted) continue;
        expectFail(await verifier.verify(att, { ...checked }, file), 'policy');
      }
    }
    const att = await mint({ publisher: github });
    expectFail(await verifier.verify(att, { ...github, repository: 'octo/other' }, file), 'policy');
  });

  it('fails against the production root', async () => {
    const prod = await productionVerifier();
    expectFail(await prod.verify(await mint(), { ...github }, file), 'sigstore');
  });

  it('a minted attestation does not verify under another mock instance', async () => {
    const other = await createVerifier({ json: (await createMockSigstore()).trustedRoot });
    expectFail(await other.verify(await mint(), { ...github }, file), 'sigstore');
  });

  it('the build config URI may end in the digest instead of the ref', async () => {
    const att = await mint({
      claims: { '1.3.6.1.4.1.57264.1.18': 'https://github.com/octo/demo/.github/workflows/release.yml@0123abcd', '1.3.6.1.4.1.57264.1.13': '0123abcd' },
    });
    expect((await verifier.verify(att, { ...github }, file)).ok).toBe(true);
  });

  describe('certificate claims that must not pass', () => {
    const cases: [string, Record<string, string | null>][] = [
      ['GitHub repo with a GitLab issuer', { '1.3.6.1.4.1.57264.1.8': 'https://gitlab.com', '1.3.6.1.4.1.57264.1.1': 'https://gitlab.com' }],
      ['no v2 issuer', { '1.3.6.1.4.1.57264.1.8': null }],
      ['v1 and v2 issuers that disagree', { '1.3.6.1.4.1.57264.1.1': 'https://accounts.google.com' }],
      ['no source repository', { '1.3.6.1.4.1.57264.1.12': null }],
      ['source repository with a trailing slash', { '1.3.6.1.4.1.57264.1.12': 'https://github.com/octo/demo/' }],
      ['no build config URI', { '1.3.6.1.4.1.57264.1.18': null }],
      ['no ref and no digest', { '1.3.6.1.4.1.57264.1.13': null, '1.3.6.1.4.1.57264.1.14': null }],
      ['a ref but no source repository digest (every GitHub Actions certificate has the commit)', { '1.3.6.1.4.1.57264.1.13': null }],
      [
        'build config from a reusable workflow elsewhere',
        { '1.3.6.1.4.1.57264.1.18': 'https://github.com/evil/x/.github/workflows/release.yml@refs/tags/v1.0.0' },
      ],
      [
        'build config with a ref the certificate does not state',
        { '1.3.6.1.4.1.57264.1.18': 'https://github.com/octo/demo/.github/workflows/release.yml@refs/heads/other' },
      ],
      [
        'build config that only starts with the expected prefix',
        { '1.3.6.1.4.1.57264.1.18': 'https://github.com/octo/demo/.github/workflows/release.yml.evil@refs/tags/v1.0.0' },
      ],
    ];
    it.each(cases)('%s', async (_name, claims) => {
      expectFail(await verifier.verify(await mint({ claims }), { ...github }, file), 'policy');
    });

    it('GitLab without the digest claim (pypi-attestations requires both)', async () => {
      const att = await mint({ publisher: gitlab, claims: { '1.3.6.1.4.1.57264.1.13': null } });
      expectFail(await verifier.verify(att, { ...gitlab }, file), 'policy');
    });

    it('Google without the v1 issuer', async () => {
      const att = await mint({ publisher: google, claims: { '1.3.6.1.4.1.57264.1.1': null } });
      expectFail(await verifier.verify(att, { ...google }, file), 'policy');
    });
  });

  describe('signed statements that must not pass', () => {
    const subject = { name: file.filename, digest: { sha256: file.sha256 } };
    const base = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [subject],
      predicateType: 'https://docs.pypi.org/attestations/publish/v1',
      predicate: null,
    };
    const cases: [string, unknown][] = [
      ['two subjects', { ...base, subject: [subject, { ...subject, name: 'other-1.0.tar.gz' }] }],
      ['no subjects', { ...base, subject: [] }],
      ['an in-toto v0.1 statement', { ...base, _type: 'https://in-toto.io/Statement/v0.1' }],
      ['no sha256', { ...base, subject: [{ name: file.filename, digest: { sha512: 'ab'.repeat(64) } }] }],
      ['another file', { ...base, subject: [{ ...subject, name: 'demo_pkg-1.2.4-py3-none-any.whl' }] }],
      ['a non-object', ['not', 'a', 'statement']],
      ['no predicate type', { ...base, predicateType: undefined }],
    ];
    it.each(cases)('%s', async (_name, statement) => {
      expectFail(await verifier.verify(await mint({ statement }), { ...github }, file), 'statement');
    });

    it('an uppercase subject digest does not match: compared exactly, as pypi-attestations does', async () => {
      const statement = { ...base, subject: [{ ...subject, digest: { sha256: file.sha256.toUpperCase() } }] };
      const v = await verifier.verify(await mint({ statement }), { ...github }, file);
      expectFail(v, 'statement');
      expect(!v.ok && v.reason).toContain('compared exactly');
    });
  });
});
