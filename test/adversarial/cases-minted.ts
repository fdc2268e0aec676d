/**
 * Attacks that need attestations no real index would serve: certificates
 * with chosen Fulcio claims, statements signed as given, log entries outside
 * a certificate's window, another Sigstore altogether. Minted offline with
 * @sigstore/mock (test/support/mint.ts), verified against the mock's trusted
 * root. One entry per case; see harness.ts for what every case must show.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from '../../src/core/types.js';
import { createMockSigstore, type MintOptions, type MintPublisher, type MockSigstore } from '../support/mint.ts';
import { advertisedAt } from './cases-environment.ts';
import type { AdversarialCase, LockedFile, Scenario, Setting, Table } from './harness.ts';

// Created by the table's trustedRoot(), which the harness calls before any case is built.
let mock: MockSigstore;

const OID = {
  digest: '1.3.6.1.4.1.57264.1.13',
  ref: '1.3.6.1.4.1.57264.1.14',
  repository: '1.3.6.1.4.1.57264.1.12',
  buildConfig: '1.3.6.1.4.1.57264.1.18',
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  issuerV2: '1.3.6.1.4.1.57264.1.8',
};
const REF = 'refs/tags/v1.0.0';

/** A package `adv-<id>` 1.0: its sdist, and wheels by tag. */
const sdist = (id: string) => `adv_${id}-1.0.tar.gz`;
const wheel = (id: string, tag = 'py3-none-any') => `adv_${id}-1.0-${tag}.whl`;
const sha = (filename: string) => createHash('sha256').update(filename).digest('hex');
const github = (id: string): MintPublisher & Identity => ({ kind: 'GitHub', repository: `acme/adv-${id}`, workflow: 'release.yml' });

/** PyPI's shape: one bundle, this publisher, these attestations. */
const provenance = (publisher: Identity, attestations: unknown[]) => ({
  version: 1,
  attestation_bundles: [{ publisher: { ...publisher, environment: null }, attestations }],
});

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
  minted(
    'c1',
    'GitHub certificate with a ref but no source repository digest (pypi-attestations 0.0.23+ would accept it; Fulcio never issues it)',
    { claims: { [OID.digest]: null } },
    ['source repository digest'],
  ),
  minted('c2', 'GitHub certificate with neither a ref nor a digest', { claims: { [OID.digest]: null, [OID.ref]: null } }),
  minted('c3', 'build config URI at a ref the certificate does not state', {
    claims: { [OID.buildConfig]: `https://github.com/acme/adv-c3/.github/workflows/release.yml@refs/heads/evil` },
  }),
  minted('c4', 'build config URI that only starts with the expected workflow', {
    claims: { [OID.buildConfig]: `https://github.com/acme/adv-c4/.github/workflows/release.yml.evil@${REF}` },
  }),
  minted('c5', 'build config URI of a reusable workflow in another repository', {
    claims: { [OID.buildConfig]: `https://github.com/evil/x/.github/workflows/release.yml@${REF}` },
  }),
  minted('c6', 'source repository URI with a trailing slash', { claims: { [OID.repository]: 'https://github.com/acme/adv-c6/' } }),
  minted('c7', "GitHub claims under GitLab's issuer", { claims: { [OID.issuerV2]: 'https://gitlab.com', [OID.issuerV1]: 'https://gitlab.com' } }),
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
  minted(
    's1',
    'subject digest in uppercase (compared exactly, as pypi-attestations does)',
    {
      statement: {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: sdist('s1'), digest: { sha256: sha(sdist('s1')).toUpperCase() } }],
        predicateType: 'https://docs.pypi.org/attestations/publish/v1',
        predicate: null,
      },
    },
    ['compared exactly'],
  ),
  minted('s2', 'subject digest with surrounding whitespace', {
    statement: {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: sdist('s2'), digest: { sha256: ` ${sha(sdist('s2'))}` } }],
      predicateType: 'https://docs.pypi.org/attestations/publish/v1',
      predicate: null,
    },
  }),
  minted('s3', 'a signed statement with two subjects, this file first', {
    statement: {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        { name: sdist('s3'), digest: { sha256: sha(sdist('s3')) } },
        { name: 'other-1.0.tar.gz', digest: { sha256: 'ab'.repeat(32) } },
      ],
      predicateType: 'https://docs.pypi.org/attestations/publish/v1',
      predicate: null,
    },
  }),
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
    name: "the sdist's valid attestation served for the wheel too",
    build: async () => {
      const s = await attested('s6', sdist('s6'));
      return pkg('s6', [s, { filename: wheel('s6'), sha256: sha(wheel('s6')), provenance: s.provenance }], { victims: [wheel('s6')] });
    },
    expect: { exit: 1, category: 'verification-failed' },
  },
];

const TIME_AND_TRUST: AdversarialCase[] = [
  minted('t1', 'certificate used after its validity window (logged 20 minutes after issue)', { loggedAt: new Date(Date.now() + 20 * 60_000) }, [
    'not valid at the time',
  ]),
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
    build: async () =>
      pkg('p0', [bare(sdist('p0')), await attested('p0', wheel('p0')), await attested('p0', wheel('p0', 'cp312-cp312-manylinux_2_17_x86_64'))], {
        victims: [sdist('p0')],
      }),
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
ignore = ["adv-p6"]

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
    build: async () =>
      pkg('p1', [await attested('p1', sdist('p1')), bare(wheel('p1')), bare(wheel('p1', 'cp312-cp312-win_amd64'))], {
        victims: [wheel('p1'), wheel('p1', 'cp312-cp312-win_amd64')],
      }),
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
  {
    // `ignore` drops the package's findings (so exit 0) but accepts nothing: no identity is written.
    name: 'partial: the package is ignored by the policy, which accepts nothing',
    build: async () => pkg('p6', [await attested('p6', sdist('p6')), bare(wheel('p6'))], { victims: [wheel('p6')] }),
    expect: { exit: 0 },
    args: POLICY_ARGS,
  },
];

/**
 * A severity override and --allow-identity-change change what fails and
 * what may be replaced; neither accepts an unattested file.
 */
const LENIENT_SETTING: Setting = {
  name: 'partial-attestation lowered to a warning; --allow-identity-change (enrich and refresh: check has no such option)',
  prepare: () => ({
    args: ['--policy', 'adversarial-lenient.toml'],
    commandArgs: { enrich: ['--allow-identity-change'], refresh: ['--allow-identity-change'] },
  }),
};
const LENIENT = `[tool.pylock-attest.severity]
partial-attestation = "warning"
`;

const LENIENT_CASES: AdversarialCase[] = [
  {
    name: 'partial: partial-attestation lowered to a warning, with --allow-identity-change: still nothing recorded',
    build: async () => pkg('p7', [await attested('p7', sdist('p7')), bare(wheel('p7'))], { victims: [wheel('p7')] }),
    expect: { exit: 0, category: 'partial-attestation', says: [wheel('p7')] },
    setting: LENIENT_SETTING,
  },
  {
    name: 'partial: --allow-identity-change does not let a partial package replace its recorded identity',
    build: async () => pkg('p8', [await attested('p8', sdist('p8')), bare(wheel('p8'))], { recorded: [github('p8-old')], victims: [wheel('p8')] }),
    expect: { exit: 1, category: 'publisher-changed', check: { exit: 1, category: 'index-disagrees' } },
    setting: LENIENT_SETTING,
  },
];

/**
 * Item 2: every sdist and wheel is a distribution of its own package, or the
 * lockfile is refused before any request (exit 2) naming file:line, package
 * and filename; otherwise the identity of another project's (or release's)
 * attested file would be written under this package.
 */
const MODELS = 'pypi_attestation_models-0.0.4a2.tar.gz';
const BINDING: AdversarialCase[] = [
  {
    name: "binding: another project's attested sdist locked as sampleproject's (the issue's reproduction)",
    build: async () => ({ name: 'sampleproject', version: '0.0.4a2', files: [await attested('b1', MODELS)] }),
    expect: {
      exit: 2,
      code: 'LOCK_INVALID',
      says: [
        `:4: \`sdist\` (${MODELS}) is not a file of sampleproject 0.0.4a2`,
        'it names the project `pypi-attestation-models`, not `sampleproject`',
        '(package sampleproject)',
      ],
    },
  },
  {
    name: 'binding: a file of another release (0.0.4a2 locked as 9.9.9)',
    build: async () => ({ name: 'pypi-attestation-models', version: '9.9.9', files: [await attested('b2', MODELS)] }),
    expect: {
      exit: 2,
      code: 'LOCK_INVALID',
      says: [`:4: \`sdist\` (${MODELS}) is not a file of pypi-attestation-models 9.9.9`, 'it is version 0.0.4a2, not 9.9.9'],
    },
  },
  {
    name: "binding: another project's attested wheel among the wheels",
    build: async () => pkg('b3', [await attested('b3', sdist('b3')), await attested('b3', 'other_project-1.0-py3-none-any.whl')]),
    expect: {
      exit: 2,
      code: 'LOCK_INVALID',
      says: ['`wheels[0]` (other_project-1.0-py3-none-any.whl) is not a file of adv-b3 1.0', 'names the project `other-project`'],
    },
  },
];

/** A provenance object with one bundle per [publisher, attestations] pair. */
const bundles = (...pairs: Array<[Record<string, unknown>, unknown[]]>) => ({
  version: 1,
  attestation_bundles: pairs.map(([publisher, attestations]) => ({ publisher: { environment: null, ...publisher }, attestations })),
});

/** Attacks found by attacking the built CLI as a reviewer would, beyond issue 10's list. */
const REVIEW: AdversarialCase[] = [
  {
    name: "publisher kind: a GitHub certificate served under a Google publisher whose e-mail is the certificate's SAN",
    build: async () => {
      const att = await mock.mint({ filename: sdist('r1'), sha256: sha(sdist('r1')), publisher: github('r1') });
      const san = 'https://github.com/acme/adv-r1/.github/workflows/release.yml@refs/tags/v1.0.0';
      return pkg('r1', [{ filename: sdist('r1'), sha256: sha(sdist('r1')), provenance: bundles([{ kind: 'Google', email: san }, [att]]) }]);
    },
    expect: { exit: 1, category: 'verification-failed', says: ['certificate issuer is'] },
  },
  {
    name: 'publisher kind: a GitLab certificate served under a GitHub publisher of the same repository and file',
    build: async () => {
      const att = await mock.mint({
        filename: sdist('r2'),
        sha256: sha(sdist('r2')),
        publisher: { kind: 'GitLab', repository: 'acme/adv-r2', workflow_filepath: 'release.yml' },
      });
      return pkg('r2', [{ filename: sdist('r2'), sha256: sha(sdist('r2')), provenance: bundles([github('r2'), [att]]) }]);
    },
    expect: { exit: 1, category: 'verification-failed' },
  },
  {
    name: "duplicate bytes: the sdist's bytes locked again as a wheel (same sha256), served the sdist's attestation",
    build: async () => {
      const s = await attested('r3', sdist('r3'));
      return pkg('r3', [s, { filename: wheel('r3'), sha256: s.sha256, provenance: s.provenance }], { victims: [wheel('r3')] });
    },
    expect: { exit: 1, category: 'verification-failed', says: [`is about "${sdist('r3')}", not ${wheel('r3')}`] },
  },
  {
    name: 'duplicate bytes: two wheels with the same sha256 whose tags differ, one attestation for both',
    build: async () => {
      const w = await attested('r4', wheel('r4'));
      return pkg('r4', [w, { filename: wheel('r4', 'py2.py3-none-any'), sha256: w.sha256, provenance: w.provenance }], {
        victims: [wheel('r4', 'py2.py3-none-any')],
      });
    },
    expect: { exit: 1, category: 'verification-failed', says: ['signed statement is about'] },
  },
  {
    name: "two bundles: this file's valid one, and another publisher's valid attestation of another file",
    build: async () => {
      const own = await mock.mint({ filename: sdist('r5'), sha256: sha(sdist('r5')), publisher: github('r5') });
      const other = await mock.mint({ filename: 'evil-1.0.tar.gz', sha256: sha('evil-1.0.tar.gz'), publisher: github('evil') });
      return pkg('r5', [{ filename: sdist('r5'), sha256: sha(sdist('r5')), provenance: bundles([github('r5'), [own]], [github('evil'), [other]]) }]);
    },
    expect: { exit: 1, category: 'verification-failed', says: ['of bundle 2', 'signed statement is about'] },
  },
  {
    // 200 verifications in one run start the worker pool (POOL_AFTER = 128): those after it is ready run in its threads.
    // Each passes every Sigstore check (the expensive part) and fails only the publisher policy: what a worker decides too.
    name: 'many files: 200 wheels signed by another repository of the same owner, enough to start the verification worker pool',
    build: async () => {
      const files = Array.from({ length: 200 }, (_, n) => ({ filename: `adv_r6-1.0-${n + 1}-py3-none-any.whl`, sha256: sha(`r6-${n}`) }));
      const atts = await mock.mintBatch({ publisher: github('r6-fork'), files });
      return pkg(
        'r6',
        files.map((f, n) => ({ ...f, provenance: bundles([github('r6'), [atts[n]]]) })),
      );
    },
    expect: { exit: 1, category: 'verification-failed', says: ['certificate source repository is not https://github.com/acme/adv-r6'] },
  },
];

/**
 * A cache an earlier run of this user's filled: what it kept must not make
 * anything verified that is not, now. The earlier run also wrote the
 * lockfile (an identity the index claimed, or proved under another root):
 * the commands under test start from that file and must leave it as it is.
 */
const WARMED: Setting = {
  name: 'a cache an earlier run filled (--no-verify, or another trusted root)',
  prepare: (dir) => {
    mkdirSync(join(dir, 'cache'), { mode: 0o700 });
    return { cacheDir: join(dir, 'cache') };
  },
};
const WARMED_OFFLINE: Setting = {
  name: 'the same, offline: answers only from that cache',
  // refresh has no --offline; check --offline reads no cache and verifies nothing (diff and policy only).
  commands: ['enrich', 'check'],
  prepare: (dir) => {
    mkdirSync(join(dir, 'cache'), { mode: 0o700 });
    return { cacheDir: join(dir, 'cache'), args: ['--offline'] };
  },
};

/** Signed by another Sigstore: verifies only under that one's root. */
async function signedElsewhere(id: string): Promise<{ scenario: Scenario; root: unknown }> {
  const other = await createMockSigstore();
  return { scenario: pkg(id, [await attested(id, sdist(id), {}, other)]), root: other.trustedRoot };
}

function earlierRuns(setting: Setting, suffix: string, offline: boolean): AdversarialCase[] {
  const roots = new Map<string, unknown>();
  const check = offline ? { exit: 0 as const } : { exit: 1 as const, category: 'verification-failed' as const };
  return [
    {
      name: `--no-verify wrote the index's claim${suffix}: the identity is recorded, the answers and the unverified outcome are cached`,
      setting,
      build: async () => (await signedElsewhere(`w1${suffix ? 'o' : ''}`)).scenario,
      async warm(w) {
        const run = await w.cli('enrich', ['--no-verify']);
        if (run.code !== 0) throw new Error(`the earlier --no-verify run did not record the claim: ${run.stdout}${run.stderr}`);
      },
      expect: { exit: 1, category: 'verification-failed', says: ['trusted root'], check },
    },
    {
      name: `verified, recorded and cached under another trusted root${suffix}, then the root changes`,
      setting,
      build: async () => {
        const { scenario, root } = await signedElsewhere(`w2${suffix ? 'o' : ''}`);
        roots.set(scenario.name, root);
        return scenario;
      },
      async warm(w) {
        const file = join(w.dir, 'other-root.json');
        writeFileSync(file, JSON.stringify(roots.get(w.scenario.name)));
        const run = await w.cli('enrich', ['--trusted-root', file]);
        if (run.code !== 0) throw new Error(`the earlier run under its own root did not verify: ${run.stdout}${run.stderr}`);
      },
      expect: { exit: 1, category: 'verification-failed', says: ['trusted root'], check },
    },
  ];
}

/**
 * The lookup PyPI's own files take (pypi.org and test.pypi.org use it by
 * default): one Integrity API request per file, no project page, so no
 * sha256 the index lists to compare; a 404 is "no provenance". Everything
 * rests on the statement and the certificate.
 */
const INTEGRITY: Setting = {
  name: "PyPI's Integrity API (--provenance-source integrity)",
  prepare: () => ({ integrityApi: true, args: ['--provenance-source', 'integrity'] }),
};

const INTEGRITY_API: AdversarialCase[] = [
  {
    name: 'integrity API: an attested sdist beside a wheel the API has no provenance for (404)',
    setting: INTEGRITY,
    build: async () => pkg('i1', [await attested('i1', sdist('i1')), bare(wheel('i1'))], { victims: [wheel('i1')] }),
    expect: { exit: 1, category: 'partial-attestation', says: [wheel('i1'), 'has no provenance'] },
  },
  {
    name: "integrity API: the sdist's valid attestation served for the wheel",
    setting: INTEGRITY,
    build: async () => {
      const s = await attested('i2', sdist('i2'));
      return pkg('i2', [s, { filename: wheel('i2'), sha256: sha(wheel('i2')), provenance: s.provenance }], { victims: [wheel('i2')] });
    },
    expect: { exit: 1, category: 'verification-failed', says: ['signed statement is about'] },
  },
  {
    name: 'integrity API: signed and logged by another Sigstore instance',
    setting: INTEGRITY,
    build: async () => pkg('i3', [await attested('i3', sdist('i3'), {}, await createMockSigstore())]),
    expect: { exit: 1, category: 'verification-failed', says: ['trusted root'] },
  },
  {
    name: 'integrity API: every file 404s, an identity is recorded',
    setting: INTEGRITY,
    build: () => pkg('i4', [bare(sdist('i4')), bare(wheel('i4'))], { recorded: [github('i4')] }),
    expect: { exit: 1, category: 'identity-removed', check: { exit: 1, category: 'index-disagrees' } },
  },
];

/**
 * Issue 10, item 7, by resolution (the spellings are cases-environment.ts's):
 * here because it needs only this table's plain runs, not a setting.
 */
const RESOLVES_HERE: AdversarialCase[] = [
  {
    // The loopback index was chosen (--allow-index-host 127.0.0.1); `localhost` was not, and resolves here.
    name: 'loopback: an index advertises its documents under a name nobody chose that resolves here (localhost)',
    build: () => advertisedAt('name', (origin) => `${origin.replace('127.0.0.1', 'localhost')}/provenance/x`),
    expect: {
      exit: 3,
      code: 'INDEX_UNAVAILABLE',
      category: 'unavailable',
      says: ['localhost: it resolves to', 'a loopback address', '--allow-index-host localhost'],
      check: { exit: 3, category: 'unavailable' },
    },
  },
];

const EARLIER_RUNS: AdversarialCase[] = [...earlierRuns(WARMED, '', false), ...earlierRuns(WARMED_OFFLINE, ' (offline)', true)];

export const MINTED_TABLE: Table = {
  title: 'minted attestations, mock trusted root',
  trustedRoot: async () => {
    mock = await createMockSigstore();
    return mock.trustedRoot;
  },
  files: { 'adversarial-policy.toml': POLICY, 'adversarial-lenient.toml': LENIENT },
  cases: [
    ...CLAIMS,
    ...STATEMENTS,
    ...TIME_AND_TRUST,
    ...PARTIAL,
    ...POLICED,
    ...LENIENT_CASES,
    ...BINDING,
    ...REVIEW,
    ...INTEGRITY_API,
    ...RESOLVES_HERE,
    ...EARLIER_RUNS,
  ],
};
