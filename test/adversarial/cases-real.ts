/**
 * Attacks built from real PyPI provenance (../shared/interop), verified
 * against Sigstore's production trusted root as embedded in @sigstore/tuf
 * (no network). One entry per case; see harness.ts for what every case must
 * show. To add a case: one entry in CASES.
 */
import { loadTrustRoot } from '../../src/verify/trust.js';
import type { Identity } from '../../src/core/types.js';
import { readInteropJson } from '../support/interop.ts';
import type { AdversarialCase, LockedFile, Scenario, Table } from './harness.ts';
import { attestation, edited, editStatement, entry, flip, plus, proof, publisher, type Provenance } from './tamper.ts';

/** The interop files this table needs (the suite skips it, saying so, when they are absent). */
export const REAL_NEEDS = [
  'provenance/pypi_attestations-0.0.19.tar.gz.provenance.json',
  'provenance/sampleproject-4.0.0.tar.gz.docs-example.provenance.json',
  'provenance/pep740-sampleproject-1.0.0.tar.gz.provenance.json',
  'provenance/gcb_attestation_test-0.0.0.tar.gz.provenance.json',
  'provenance/rfc8785-0.1.2-py3-none-any.whl.staging.attestation.json',
];

interface Real {
  name: string;
  version: string;
  filename: string;
  sha256: string;
  source: string;
  identity: Identity;
}

const PYPI_ATTESTATIONS: Real = {
  name: 'pypi-attestations',
  version: '0.0.19',
  filename: 'pypi_attestations-0.0.19.tar.gz',
  sha256: '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3',
  source: 'provenance/pypi_attestations-0.0.19.tar.gz.provenance.json',
  identity: { kind: 'GitHub', repository: 'trailofbits/pypi-attestations', workflow: 'release.yml' },
};
const SAMPLEPROJECT: Real = {
  name: 'sampleproject',
  version: '4.0.0',
  filename: 'sampleproject-4.0.0.tar.gz',
  sha256: '0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b',
  source: 'provenance/sampleproject-4.0.0.tar.gz.docs-example.provenance.json',
  identity: { kind: 'GitHub', repository: 'pypa/sampleproject', workflow: 'release.yml' },
};
const GITLAB: Real = {
  name: 'pep740-sampleproject',
  version: '1.0.0',
  filename: 'pep740_sampleproject-1.0.0.tar.gz',
  sha256: '6cdd4a1a0a49aeef47265e7bf8ec1667257b397d34d731dc7b7af349deca1cd8',
  source: 'provenance/pep740-sampleproject-1.0.0.tar.gz.provenance.json',
  identity: { kind: 'GitLab', repository: 'pep740-example/sampleproject', workflow_filepath: '.gitlab-ci.yml' },
};
const GOOGLE: Real = {
  name: 'gcb-attestation-test',
  version: '0.0.0',
  filename: 'gcb_attestation_test-0.0.0.tar.gz',
  sha256: '461317362419124b6012e855423a9078d6de8aed3e74fa78cc74d669b23dc6cf',
  source: 'provenance/gcb_attestation_test-0.0.0.tar.gz.provenance.json',
  identity: { kind: 'Google', email: '919436158236-compute@developer.gserviceaccount.com' },
};

const original = (r: Real): Provenance => readInteropJson(r.source) as Provenance;
const WHEEL = 'pypi_attestations-0.0.19-py3-none-any.whl';

/** The real file, locked as published, with `provenance` served for it. */
function served(r: Real, provenance: unknown, extra: Partial<Scenario> = {}): Scenario {
  const file: LockedFile = { filename: r.filename, sha256: r.sha256, provenance };
  return { name: r.name, version: r.version, files: [file], ...extra };
}

/** One case per edit of pypi-attestations' real provenance, all failing verification (exit 1). */
function tampered(name: string, edit: (p: Provenance) => void, says: string[] = []): AdversarialCase {
  return {
    name,
    build: () => served(PYPI_ATTESTATIONS, edited(original(PYPI_ATTESTATIONS), edit)),
    expect: { exit: 1, category: 'verification-failed', says },
  };
}

/** The index names a publisher that differs from the certificate's only by a trick of spelling. */
function claimed(r: Real, key: string, value: string, label: string): AdversarialCase {
  return {
    name: `publisher ${r.identity.kind} ${key}: ${label} (${JSON.stringify(value)})`,
    build: () =>
      served(
        r,
        edited(original(r), (p) => void (publisher(p)[key] = value)),
      ),
    expect: { exit: 1, category: 'verification-failed' },
  };
}

const PARTIAL: AdversarialCase[] = [
  {
    name: 'partial: an attested sdist beside a wheel without provenance (the extra-wheel upload)',
    build: () => ({
      ...served(PYPI_ATTESTATIONS, original(PYPI_ATTESTATIONS)),
      files: [
        { filename: PYPI_ATTESTATIONS.filename, sha256: PYPI_ATTESTATIONS.sha256, provenance: original(PYPI_ATTESTATIONS) },
        { filename: WHEEL, sha256: 'ab'.repeat(32), provenance: null },
      ],
      victims: [WHEEL],
    }),
    expect: { exit: 1, category: 'partial-attestation', says: [WHEEL, 'has no provenance'] },
  },
  {
    name: 'partial: the recorded identity stays, a newly locked wheel has no provenance',
    build: () => ({
      ...served(PYPI_ATTESTATIONS, original(PYPI_ATTESTATIONS)),
      files: [
        { filename: PYPI_ATTESTATIONS.filename, sha256: PYPI_ATTESTATIONS.sha256, provenance: original(PYPI_ATTESTATIONS) },
        { filename: WHEEL, sha256: 'cd'.repeat(32), provenance: null },
      ],
      recorded: [PYPI_ATTESTATIONS.identity],
      victims: [WHEEL],
    }),
    expect: { exit: 1, category: 'partial-attestation', says: [WHEEL] },
  },
];

const SIGNATURE_AND_STATEMENT: AdversarialCase[] = [
  tampered('signature: one byte flipped', (p) => void (attestation(p).envelope.signature = flip(attestation(p).envelope.signature, 12))),
  tampered('statement: one byte flipped', (p) => void (attestation(p).envelope.statement = flip(attestation(p).envelope.statement, 40))),
  tampered("statement: subject digest replaced with another file's", (p) => editStatement(p, (s) => void (s.subject[0].digest.sha256 = SAMPLEPROJECT.sha256))),
  tampered('statement: subject name replaced', (p) => editStatement(p, (s) => void (s.subject[0].name = 'pypi_attestations-0.0.20.tar.gz'))),
  tampered('statement: predicate type replaced', (p) => editStatement(p, (s) => void (s.predicateType = 'https://slsa.dev/provenance/v1'))),
  tampered('statement: an extra subject', (p) =>
    editStatement(p, (s) => void s.subject.push({ name: SAMPLEPROJECT.filename, digest: { sha256: SAMPLEPROJECT.sha256 } })),
  ),
  tampered(
    "signature and statement taken from another project's attestation",
    (p) => void (attestation(p).envelope = attestation(original(SAMPLEPROJECT)).envelope),
  ),
];

const SWAPS: AdversarialCase[] = [
  tampered(
    "certificate swapped with another project's (pypa/sampleproject)",
    (p) => void (attestation(p).verification_material.certificate = attestation(original(SAMPLEPROJECT)).verification_material.certificate),
  ),
  tampered(
    'certificate: one byte flipped',
    (p) => void (attestation(p).verification_material.certificate = flip(attestation(p).verification_material.certificate, 400)),
  ),
  tampered(
    "transparency entry swapped with another file's",
    (p) => void (attestation(p).verification_material.transparency_entries = attestation(original(SAMPLEPROJECT)).verification_material.transparency_entries),
  ),
  {
    name: "another project's whole, valid attestation served for this file (with its own publisher)",
    build: () => served(PYPI_ATTESTATIONS, original(SAMPLEPROJECT)),
    expect: { exit: 1, category: 'verification-failed', says: ['signed statement'] },
  },
  {
    name: "a valid attestation of this file plus another project's in the same bundle",
    build: () =>
      served(
        PYPI_ATTESTATIONS,
        edited(original(PYPI_ATTESTATIONS), (p) => void p.attestation_bundles[0]!.attestations.push(attestation(original(SAMPLEPROJECT)))),
      ),
    expect: { exit: 1, category: 'verification-failed', says: ['attestation 2'] },
  },
  {
    name: 'a valid bundle plus a second bundle whose publisher the certificate does not prove',
    build: () =>
      served(
        PYPI_ATTESTATIONS,
        edited(
          original(PYPI_ATTESTATIONS),
          (p) => void p.attestation_bundles.push({ publisher: { ...publisher(p), repository: 'evil/pypi-attestations' }, attestations: [attestation(p)] }),
        ),
      ),
    expect: { exit: 1, category: 'verification-failed', says: ['of bundle 2', 'evil/pypi-attestations'] },
  },
];

const PUBLISHER_STRINGS: AdversarialCase[] = [
  claimed(PYPI_ATTESTATIONS, 'repository', 'TrailOfBits/pypi-attestations', 'case'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits/pypi-attestations/', 'trailing slash'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits/pypi-attestations ', 'trailing space'),
  claimed(PYPI_ATTESTATIONS, 'repository', ' trailofbits/pypi-attestations', 'leading space'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits/pypi-attestations\n', 'trailing newline'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits/pyp\u0456-attestations', 'Cyrillic homoglyph'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits/pypi\u200b-attestations', 'zero-width space'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits\uff0fpypi-attestations', 'fullwidth solidus'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits/pypi-atte\u0301stations', 'combining accent'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits/pypi-attestations.git', '.git suffix'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'woodruffw/pypi-attestations', 'a fork'),
  claimed(PYPI_ATTESTATIONS, 'repository', 'trailofbits', 'owner only'),
  claimed(PYPI_ATTESTATIONS, 'workflow', 'Release.yml', 'case'),
  claimed(PYPI_ATTESTATIONS, 'workflow', 'release.yml ', 'trailing space'),
  claimed(PYPI_ATTESTATIONS, 'workflow', 'r\u0435lease.yml', 'Cyrillic homoglyph'),
  claimed(PYPI_ATTESTATIONS, 'workflow', '.github/workflows/release.yml', 'full path'),
  claimed(PYPI_ATTESTATIONS, 'workflow', 'release.yml/', 'trailing slash'),
  claimed(PYPI_ATTESTATIONS, 'workflow', 'release.yml@refs/heads/main', 'with a ref'),
  claimed(PYPI_ATTESTATIONS, 'workflow', 'release', 'no extension'),
  claimed(PYPI_ATTESTATIONS, 'kind', 'github', 'lowercase kind'),
  claimed(PYPI_ATTESTATIONS, 'kind', 'GitLab', 'another forge'),
  claimed(GITLAB, 'repository', 'PEP740-example/sampleproject', 'case'),
  claimed(GITLAB, 'repository', 'pep740-example/sampleproject/', 'trailing slash'),
  claimed(GITLAB, 'repository', 'pep740-example/sampleprojec\u0442', 'Cyrillic homoglyph'),
  claimed(GITLAB, 'workflow_filepath', './.gitlab-ci.yml', 'dot-slash'),
  claimed(GITLAB, 'workflow_filepath', '.gitlab-ci.yml ', 'trailing space'),
  claimed(GITLAB, 'workflow_filepath', '.GitLab-ci.yml', 'case'),
  claimed(GOOGLE, 'email', '919436158236-COMPUTE@developer.gserviceaccount.com', 'case'),
  claimed(GOOGLE, 'email', '919436158236-compute@developer.gserviceaccount.com ', 'trailing space'),
  claimed(GOOGLE, 'email', '919436158236-compute@developer.gserviceaccount.com.', 'trailing dot'),
  claimed(GOOGLE, 'email', '919436158236-c\u043empute@developer.gserviceaccount.com', 'Cyrillic homoglyph'),
];

const TLOG: AdversarialCase[] = [
  tampered("tlog: the entry's log index", (p) => void (entry(p).logIndex = plus(entry(p).logIndex, 1))),
  tampered('tlog: the integrated time, one second later', (p) => void (entry(p).integratedTime = plus(entry(p).integratedTime, 1))),
  tampered(
    "tlog: the integrated time, a year later (outside the certificate's window)",
    (p) => void (entry(p).integratedTime = plus(entry(p).integratedTime, 365 * 86_400)),
  ),
  tampered('tlog: the log ID', (p) => void (entry(p).logId.keyId = flip(entry(p).logId.keyId, 0))),
  tampered(
    'tlog: the signed entry timestamp (promise)',
    (p) => void (entry(p).inclusionPromise.signedEntryTimestamp = flip(entry(p).inclusionPromise.signedEntryTimestamp, 20)),
  ),
  tampered('tlog: one byte of the logged body', (p) => void (entry(p).canonicalizedBody = flip(entry(p).canonicalizedBody, -10))),
  tampered("tlog: the inclusion proof's root hash", (p) => void (proof(p).rootHash = flip(proof(p).rootHash, 3))),
  tampered("tlog: the inclusion proof's tree size", (p) => void (proof(p).treeSize = plus(proof(p).treeSize, 1))),
  tampered('tlog: one inclusion proof hash', (p) => void (proof(p).hashes[0] = flip(proof(p).hashes[0], 5))),
  tampered(
    "tlog: the checkpoint's signature replaced",
    (p) => void (proof(p).checkpoint.envelope = proof(p).checkpoint.envelope.replace(/\n\n.*$/s, '\n\n\u2014 rekor.sigstore.dev AAAAAAAA\n')),
    ['checkpoint'],
  ),
  tampered("tlog: the inclusion proof's log index outside its tree", (p) => void (proof(p).logIndex = plus(proof(p).treeSize, 5)), [
    'attestation 1',
    'log index lies outside',
  ]),
  tampered('tlog: no inclusion proof', (p) => void delete entry(p).inclusionProof, [PYPI_ATTESTATIONS.filename, 'attestation 1', 'has no inclusion proof']),
  tampered('tlog: no signed entry timestamp (the inclusion promise removed), so no signed signing time', (p) => void delete entry(p).inclusionPromise, [
    'signing time cannot be established',
  ]),
  tampered("tlog: the entry's kind says hashedrekord (kindVersion is outside the signed promise)", (p) => void (entry(p).kindVersion.kind = 'hashedrekord')),
  tampered(
    "tlog: the entry's kind version says dsse 0.0.2 (where our certificate binding would not apply)",
    (p) => void (entry(p).kindVersion.version = '0.0.2'),
  ),
  {
    // Refused while the answer is validated, before any verification: the index's answer is unusable (exit 3), never a pass.
    name: 'tlog: no transparency entry at all',
    build: () =>
      served(
        PYPI_ATTESTATIONS,
        edited(original(PYPI_ATTESTATIONS), (p) => void (attestation(p).verification_material.transparency_entries = [])),
      ),
    expect: { exit: 3, code: 'INDEX_UNAVAILABLE', category: 'unavailable', check: { exit: 3, category: 'unavailable' } },
  },
];

const OTHER: AdversarialCase[] = [
  {
    name: 'staging-signed attestation against the production root',
    build: () => {
      const staging = readInteropJson('provenance/rfc8785-0.1.2-py3-none-any.whl.staging.attestation.json');
      const provenance = {
        version: 1,
        attestation_bundles: [
          { publisher: { kind: 'GitHub', repository: 'trailofbits/rfc8785.py', workflow: 'release.yml', environment: null }, attestations: [staging] },
        ],
      };
      return {
        name: 'rfc8785',
        version: '0.1.2',
        files: [{ filename: 'rfc8785-0.1.2-py3-none-any.whl', sha256: 'c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201', provenance }],
      };
    },
    expect: { exit: 1, category: 'verification-failed', says: ['trusted root'] },
  },
  tampered(
    'certificate: not DER at all',
    (p) => void (attestation(p).verification_material.certificate = Buffer.from('this is not a certificate').toString('base64')),
    [PYPI_ATTESTATIONS.filename, 'attestation 1', 'not valid DER'],
  ),
  tampered(
    'certificate: DER cut short',
    (p) =>
      void (attestation(p).verification_material.certificate = Buffer.from(attestation(p).verification_material.certificate, 'base64')
        .subarray(0, 600)
        .toString('base64')),
    ['not valid DER'],
  ),
  {
    name: "the lockfile's sha256 is another file's, and so is the index's (the attestation is about the real one)",
    build: () => ({
      ...served(PYPI_ATTESTATIONS, original(PYPI_ATTESTATIONS)),
      files: [{ filename: PYPI_ATTESTATIONS.filename, sha256: 'f'.repeat(64), provenance: original(PYPI_ATTESTATIONS) }],
    }),
    expect: { exit: 1, category: 'verification-failed', says: ['signed statement is about sha256'] },
  },
];

export const REAL_TABLE: Table = {
  title: 'real PyPI provenance, production trusted root',
  // Offline with no kept copy: the production root embedded in @sigstore/tuf, no network.
  trustedRoot: async () => (await loadTrustRoot({ offline: true })).json,
  cases: [...PARTIAL, ...SIGNATURE_AND_STATEMENT, ...SWAPS, ...PUBLISHER_STRINGS, ...TLOG, ...OTHER],
};
