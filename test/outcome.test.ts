import { describe, expect, it } from 'vitest';
import { indexFindings } from '../src/core/index-agreement.js';
import { changeSubkind, decidePackage, identitiesToWrite, type FileOutcome } from '../src/core/outcome.js';
import type { LockedPackage } from '../src/core/lockfile.js';
import type { Identity } from '../src/core/types.js';

const gh: Identity = { kind: 'GitHub', repository: 'o/r', workflow: 'release.yml' };

function pkg(identities?: LockedPackage['identities']): LockedPackage {
  return {
    position: 0,
    name: 'p',
    project: 'p',
    version: '1.0',
    marker: undefined,
    indexUrl: undefined,
    line: 3,
    skip: undefined,
    identities,
    files: [
      { kind: 'sdist', filename: 'p-1.0.tar.gz', sha256: 'a'.repeat(64) },
      { kind: 'wheel', filename: 'p-1.0-py3-none-any.whl', sha256: 'b'.repeat(64) },
    ],
  };
}

function file(status: FileOutcome['status'], identities: Identity[] = status === 'verified' ? [gh] : []): FileOutcome {
  return { filename: 'f', sha256: 'a'.repeat(64), status, identities, detail: status };
}

const strict = { allowIdentityChange: false };

describe('decidePackage', () => {
  it('adds verified identities to a package that has none', () => {
    const o = decidePackage(pkg(), [file('verified'), file('verified')], strict);
    expect(o).toMatchObject({ status: 'verified', action: 'added', identities: [gh], findings: [] });
    expect(identitiesToWrite(o)).toEqual([gh]);
  });

  it('leaves equal identities alone', () => {
    const o = decidePackage(pkg([{ ...gh }]), [file('verified'), file('verified')], strict);
    expect(o.action).toBe('unchanged');
    expect(identitiesToWrite(o)).toBeUndefined();
  });

  it('never silently drops a recorded identity (the litellm case)', () => {
    const o = decidePackage(pkg([gh]), [file('no-provenance'), file('no-provenance')], strict);
    expect(o).toMatchObject({ status: 'no-provenance', action: 'kept' });
    expect(o.findings[0]).toMatchObject({ category: 'identity-removed', severity: 'error', allowed: false });
    const allowed = decidePackage(pkg([gh]), [file('no-provenance'), file('no-provenance')], { allowIdentityChange: true });
    expect(identitiesToWrite(allowed)).toEqual([]);
    expect(allowed.findings[0]).toMatchObject({ category: 'identity-removed', allowed: true });
  });

  it('reports a changed publisher with its most significant sub-kind and keeps the old one', () => {
    const moved = { ...gh, repository: 'evil/r' };
    const o = decidePackage(pkg([gh]), [file('verified', [moved]), file('verified', [moved])], strict);
    expect(o.action).toBe('kept');
    expect(o.findings[0]).toMatchObject({ category: 'publisher-changed', subkind: 'repository', old: [gh], new: [moved] });
  });

  it('says which part of a proven identity is only the index\'s claim wherever a finding says "proves" (environment)', () => {
    const claimed = (identity: Identity): FileOutcome => ({ ...file('verified', [identity]), unverifiedKeys: [['environment']] });
    const now = { ...gh, environment: 'release' };
    const changed = decidePackage(pkg([{ ...gh, environment: 'pypi' }]), [claimed(now), claimed(now)], strict);
    expect(changed.findings[0]).toMatchObject({ category: 'publisher-changed', subkind: 'environment' });
    expect(changed.findings[0]!.message).toBe(
      'recorded GitHub o/r (release.yml, env pypi), the index now proves GitHub o/r (release.yml, env release [index claim])',
    );
    const other = { kind: 'GitHub', repository: 'o/s', workflow: 'release.yml', environment: 'x' };
    const mixed = decidePackage(pkg(), [claimed(now), claimed(other)], strict);
    expect(mixed.findings.find((f) => f.category === 'mixed-publishers')!.message).toContain(
      'GitHub o/r (release.yml, env release [index claim]); GitHub o/s (release.yml, env x [index claim])',
    );
    expect(indexFindings([decidePackage(pkg(), [claimed(now), claimed(now)], strict)], 'pylock.toml')[0]!.message).toContain(
      'the index proves GitHub o/r (release.yml, env release [index claim])',
    );
    // --no-verify: every report says once that nothing is proven; no per-key marks.
    const unverified = { ...file('unverified', [now]), unverifiedKeys: [['environment', 'kind', 'repository', 'workflow']] };
    expect(decidePackage(pkg([gh]), [unverified, unverified], strict).findings[0]!.message).toBe(
      'recorded GitHub o/r (release.yml), the index now proves GitHub o/r (release.yml, env release)',
    );
  });

  it('blocks on any invalid, unavailable or mismatched file, in that precedence', () => {
    expect(decidePackage(pkg(), [file('verified'), file('invalid')], strict)).toMatchObject({ status: 'invalid', action: 'kept' });
    expect(decidePackage(pkg(), [file('invalid'), file('unavailable')], strict).status).toBe('unavailable');
    expect(decidePackage(pkg(), [file('index-mismatch'), file('verified')], strict).findings[0]!.category).toBe('index-disagrees');
  });

  it('a partially attested package is never verified: one error per unattested file, no identity written', () => {
    const files = [
      { ...file('verified'), filename: 'p-1.0.tar.gz' },
      { ...file('no-provenance'), filename: 'p-1.0-py3-none-any.whl' },
    ];
    const partial = decidePackage(pkg(), files, strict);
    expect(partial).toMatchObject({ status: 'partial', action: 'none', identities: [gh] });
    expect(identitiesToWrite(partial)).toBeUndefined();
    expect(partial.findings).toEqual([expect.objectContaining({ category: 'partial-attestation', severity: 'error', file: 'p-1.0-py3-none-any.whl' })]);
    expect(partial.findings[0]!.message).toContain('p-1.0-py3-none-any.whl has no provenance');
    // Recorded identities are kept, even with --allow-identity-change.
    const moved = decidePackage(pkg([{ ...gh, repository: 'old/r' }]), files, { allowIdentityChange: true });
    expect(moved).toMatchObject({ status: 'partial', action: 'kept' });
    expect(moved.findings.map((f) => [f.category, f.allowed])).toEqual([
      ['publisher-changed', false],
      ['partial-attestation', undefined],
    ]);
  });

  it('an allowance for every unattested file lets the attested identities be written, and is cited', () => {
    const files = [file('verified'), { ...file('no-provenance'), filename: 'a.whl' }, { ...file('no-provenance'), filename: 'b.whl' }];
    const allowance = { reason: 'hand-built sdist', expires: '2026-12-31', source: 'pyproject.toml', line: 7 };
    const accepted = decidePackage(pkg(), files, { ...strict, allowanceFor: () => allowance });
    expect(accepted).toMatchObject({ status: 'partial', action: 'added' });
    expect(identitiesToWrite(accepted)).toEqual([gh]);
    expect(accepted.findings.every((f) => f.allowed === true && f.allowance === allowance)).toBe(true);
    const one = decidePackage(pkg(), files, { ...strict, allowanceFor: (f) => (f.file === 'a.whl' ? allowance : undefined) });
    expect(one).toMatchObject({ status: 'partial', action: 'none' });
  });

  it('files all without provenance and nothing recorded: no-provenance, no finding', () => {
    expect(decidePackage(pkg(), [file('no-provenance'), file('no-provenance')], strict)).toMatchObject({
      status: 'no-provenance',
      action: 'none',
      findings: [],
    });
  });

  it('warns on mixed publishers but still records what verified', () => {
    const mixed = decidePackage(
      pkg(),
      [file('verified'), file('verified', [{ kind: 'GitLab', repository: 'g/r', workflow_filepath: '.gitlab-ci.yml' }])],
      strict,
    );
    expect(mixed).toMatchObject({ status: 'verified', action: 'added' });
    expect(mixed.findings.map((f) => f.category)).toEqual(['mixed-publishers']);
  });
});

describe('changeSubkind', () => {
  it('ranks forge > repository > workflow > environment', () => {
    expect(changeSubkind([gh], [{ kind: 'GitLab', repository: 'o/r', workflow_filepath: 'x' }])).toBe('kind');
    expect(changeSubkind([gh], [{ ...gh, workflow: 'other.yml', environment: 'pypi' }])).toBe('workflow');
    expect(changeSubkind([gh], [{ ...gh, environment: 'pypi' }])).toBe('environment');
  });
});
