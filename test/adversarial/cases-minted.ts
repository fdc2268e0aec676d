/**
 * Attacks that need attestations no real index would serve: certificates
 * with chosen Fulcio claims, statements signed as given, log entries outside
 * a certificate's window, another Sigstore altogether. Minted offline with
 * @sigstore/mock (test/support/mint.ts), verified against the mock's trusted
 * root. One entry per case; see harness.ts for what every case must show.
 */
import { createHash } from 'node:crypto';
import type { Identity } from '../../src/core/types.js';
import { createMockSigstore, type MintOptions, type MintPublisher, type MockSigstore } from '../support/mint.ts';
import type { AdversarialCase, LockedFile, Scenario, Table } from './harness.ts';

// Created by the table's trustedRoot(), which the harness calls before any case is built.
let mock: MockSigstore;

const OID = { digest: '1.3.6.1.4.1.57264.1.13', ref: '1.3.6.1.4.1.57264.1.14', repository: '1.3.6.1.4.1.57264.1.12', buildConfig: '1.3.6.1.4.1.57264.1.18', issuerV1: '1.3.6.1.4.1.57264.1.1', issuerV2: '1.3.6.1.4.1.57264.1.8' };
const REF = 'refs/tags/v1.0.0';

/** A package `adv-<id>` 1.0: its sdist, and wheels by tag. */
const sdist = (id: string) => `adv_${id}-1.0.tar.gz`;
const wheel = (id: string, tag = 'py3-none-any') => `adv_${id}-1.0-${tag}.whl`;
const sha = (filename: string) => createHash('sha256').update(filename).digest('hex');
const github = (id: string): MintPublisher & Identity => ({ kind: 'GitHub', repository: `acme/adv-${id}`, workflow: 'release.yml' });

/** PyPI's shape: one bundle, this publisher, these attestations. */
const provenance = (publisher: Identity, attestations: unknown[]) => ({ version: 1, attestation_bundles: [{ publisher: { ...publisher, environment: null }, attestations }] });

/** A file attested by `github(id)`, minted with these options. */
async function attested(id: string, filename: string, o: Partial<MintOptions> = {}, by: MockSigstore = mock): Promise<LockedFile> {
  const publisher = github(id);
  const att = await by.mint({ filename, sha256: sha(filename), publisher, ...o });
  return { filename, sha256: sha(filename), provenance: provenance(publisher, [att]) };
}

const bare = (filename: string): LockedFile => ({ filename, sha256: sha(filename), provenance: null });
const pkg = (id: string, files: LockedFile[], extra: Partial<Scenario> = {}): Scenario => ({ name: `adv-${id}`, version: '1.0', files, ...extra });

/** One sdist whose only attestation is minted with `o`: it must fail verification. */
function minted(id: string, name: string, o: Partial<MintOptions>, says: string[] = []): AdversarialCase {
  return { name, build: async () => pkg(id, [await attested(id, sdist(id), o)]), expect: { exit: 1, category: 'verification-failed', says } };
}

const CLAIMS: AdversarialCase[] = [
  minted('c1', 'GitHub certificate with a ref but no source repository digest (pypi-attestations 0.0.23+ would accept it; Fulcio never issues it)', { claims: { [OID.digest]: null } }, ['source repository digest']),
  minted('c2', 'GitHub certificate with neither a ref nor a digest', { claims: { [OID.digest]: null, [OID.ref]: null } }),
  minted('c3', 'build config URI at a ref the certificate does not state', { claims: { [OID.buildConfig]: `https://github.com/acme/adv-c3/.github/workflows/release.yml@refs/heads/evil` } }),
  minted('c4', 'build config URI that only starts with the expected workflow', { claims: { [OID.buildConfig]: `https://github.com/acme/adv-c4/.github/workflows/release.yml.evil@${REF}` } }),
  minted('c5', 'build config URI of a reusable workflow in another repository', { claims: { [OID.buildConfig]: `https://github.com/evil/x/.github/workflows/release.yml@${REF}` } }),
  minted('c6', 'source repository URI with a trailing slash', { claims: { [OID.repository]: 'https://github.com/acme/adv-c6/' } }),
  minted('c7', 'GitHub claims under GitLab\'s issuer', { claims: { [OID.issuerV2]: 'https://gitlab.com', [OID.issuerV1]: 'https://gitlab.com' } }),
  minted('c8', 'two issuers that disagree', { claims: { [OID.issuerV1]: 'https://accounts.google.com' } }),
  {
    name: 'GitLab certificate without the source repository digest',
    build: async () => {
      const publisher = { kind: 'GitLab' as const, repository: 'acme/adv-c9', workflow_filepath: '.gitlab-ci.yml' };
      const att = await mock.mint({ filename: sdist('c9'), sha256: sha(sdist('c9')), publisher, claims: { [OID.digest]: null } });
      return pkg('c9', [{ filename: sdist('c9'), sha256: sha(sdist('c9')), provenance: provenance(publisher, [att]) }]);
    },
    expect: { exit: 1, category: 'verification-failed' },
  },
];

const STATEMENTS: AdversarialCase[] = [
  minted('s1', 'subject digest in uppercase (compared exactly, as pypi-attestations does)', { statement: { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: sdist('s1'), digest: { sha256: sha(sdist('s1')).toUpperCase() } }], predicateType: 'https://docs.pypi.org/attestations/publish/v1', predicate: null } }, ['compared exactly']),
  minted('s2', 'subject digest with surrounding whitespace', { statement: { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: sdist('s2'), digest: { sha256: ` ${sha(sdist('s2'))}` } }], predicateType: 'https://docs.pypi.org/attestations/publish/v1', predicate: null } }),
  minted('s3', 'a signed statement with two subjects, this file first', { statement: { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: sdist('s3'), digest: { sha256: sha(sdist('s3')) } }, { name: 'other-1.0.tar.gz', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://docs.pypi.org/attestations/publish/v1', predicate: null } }),
  minted('s4', 'a signed statement with a predicate type PyPI does not issue', { predicateType: 'https://example.com/evil/v1' }),
  {
    name: 'a valid attestation of another file of the same release (same publisher)',
    build: async () => {
      const w = await attested('s5', wheel('s5'));
      return pkg('s5', [{ filename: sdist('s5'), sha256: sha(sdist('s5')), provenance: w.provenance }]);
    },
    expect: { exit: 1, category: 'verification-failed', says: ['signed statement is about'] },
  },
  {
    name: 'the sdist\'s valid attestation served for the wheel too',
    build: async () => {
      const s = await attested('s6', sdist('s6'));
      return pkg('s6', [s, { filename: wheel('s6'), sha256: sha(wheel('s6')), provenance: s.provenance }], { victims: [wheel('s6')] });
    },
    expect: { exit: 1, category: 'verification-failed' },
  },
];

const TIME_AND_TRUST: AdversarialCase[] = [
  minted('t1', 'certificate used after its validity window (logged 20 minutes after issue)', { loggedAt: new Date(Date.now() + 20 * 60_000) }, ['not valid at the time']),
  minted('t2', 'certificate used before it was issued (logged a minute earlier)', { loggedAt: new Date(Date.now() - 60_000) }),
  {
    name: 'signed and logged by another Sigstore instance (untrusted CA and log)',
    build: async () => pkg('t3', [await attested('t3', sdist('t3'), {}, await createMockSigstore())]),
    expect: { exit: 1, category: 'verification-failed', says: ['trusted root'] },
  },
];

const PARTIAL: AdversarialCase[] = [
  {
    name: 'partial: hand-uploaded sdist beside attested wheels, no allowance',
    build: async () => pkg('p0', [bare(sdist('p0')), await attested('p0', wheel('p0')), await attested('p0', wheel('p0', 'cp312-cp312-manylinux_2_17_x86_64'))], { victims: [sdist('p0')] }),
    expect: { exit: 1, category: 'partial-attestation', says: [sdist('p0')] },
  },
  {
    name: 'every file lost its provenance, an identity is recorded (the litellm case)',
    build: () => pkg('p5', [bare(sdist('p5')), bare(wheel('p5'))], { recorded: [github('p5')] }),
    expect: { exit: 1, category: 'identity-removed', check: { exit: 1, category: 'index-disagrees' } },
  },
];

/** Cases judged under POLICY (enrich, refresh and check all read it). */
const POLICY_ARGS = ['--policy', 'adversarial-policy.toml'];
const POLICY = `[tool.pylock-attest]

[[tool.pylock-attest.allow]]
package = "adv-p1"
category = "partial-attestation"
file = "${wheel('p1')}"
reason = "one of the two unattested wheels was built by hand"
expires = 2999-12-31

[[tool.pylock-attest.allow]]
package = "adv-p2"
category = "partial-attestation"
file = "${wheel('p2')}"
reason = "expired: must accept nothing"
expires = 2000-01-01

[[tool.pylock-attest.allow]]
package = "someone-else"
category = "partial-attestation"
reason = "another package"
expires = 2999-12-31

[[tool.pylock-attest.allow]]
package = "adv-p4"
category = "mixed-publishers"
file = "${wheel('p4')}"
reason = "another category"
expires = 2999-12-31
`;

const POLICED: AdversarialCase[] = [
  {
    name: 'partial: an allowance for only one of two unattested wheels',
    build: async () => pkg('p1', [await attested('p1', sdist('p1')), bare(wheel('p1')), bare(wheel('p1', 'cp312-cp312-win_amd64'))], { victims: [wheel('p1'), wheel('p1', 'cp312-cp312-win_amd64')] }),
    expect: { exit: 1, category: 'partial-attestation', says: [wheel('p1', 'cp312-cp312-win_amd64')] },
    args: POLICY_ARGS,
  },
  {
    name: 'partial: an expired allowance for the unattested wheel',
    build: async () => pkg('p2', [await attested('p2', sdist('p2')), bare(wheel('p2'))], { victims: [wheel('p2')] }),
    expect: { exit: 1, category: 'partial-attestation' },
    args: POLICY_ARGS,
  },
  {
    name: 'partial: an allowance for another package',
    build: async () => pkg('p3', [await attested('p3', sdist('p3')), bare(wheel('p3'))], { victims: [wheel('p3')] }),
    expect: { exit: 1, category: 'partial-attestation' },
    args: POLICY_ARGS,
  },
  {
    name: 'partial: an allowance for the file, but for another category',
    build: async () => pkg('p4', [await attested('p4', sdist('p4')), bare(wheel('p4'))], { victims: [wheel('p4')] }),
    expect: { exit: 1, category: 'partial-attestation' },
    args: POLICY_ARGS,
  },
];

export const MINTED_TABLE: Table = {
  title: 'minted attestations, mock trusted root',
  trustedRoot: async () => {
    mock = await createMockSigstore();
    return mock.trustedRoot;
  },
  files: { 'adversarial-policy.toml': POLICY },
  cases: [...CLAIMS, ...STATEMENTS, ...TIME_AND_TRUST, ...PARTIAL, ...POLICED],
};
