import { describe, expect, it } from 'vitest';
import { canonicalIdentity, identityFromPublisher, identityKey, normalizeIdentitySet, sameIdentitySet } from '../src/core/identity.js';

describe('identityFromPublisher', () => {
  it('maps a GitHub publisher as PyPI returns it (flat), kind first, null environment dropped', () => {
    const r = identityFromPublisher({ kind: 'GitHub', repository: 'trailofbits/pypi-attestations', workflow: 'release.yml', environment: null });
    expect(r).toEqual({ ok: true, identity: { kind: 'GitHub', repository: 'trailofbits/pypi-attestations', workflow: 'release.yml' } });
    expect(Object.keys(r.ok ? r.identity : {})[0]).toBe('kind');
  });

  it('treats environment "" (older provenance) exactly like null', () => {
    const older = identityFromPublisher({ kind: 'GitHub', repository: 'pypa/sampleproject', workflow: 'release.yml', environment: '', claims: null });
    const newer = identityFromPublisher({ kind: 'GitHub', repository: 'pypa/sampleproject', workflow: 'release.yml', environment: null });
    expect(older).toEqual(newer);
  });

  it('keeps GitLab workflow_filepath with its underscore', () => {
    const r = identityFromPublisher({
      kind: 'GitLab',
      repository: 'pep740-example/sampleproject',
      workflow_filepath: '.gitlab-ci.yml',
      environment: 'release',
    });
    expect(r).toEqual({
      ok: true,
      identity: { kind: 'GitLab', repository: 'pep740-example/sampleproject', workflow_filepath: '.gitlab-ci.yml', environment: 'release' },
    });
  });

  it('maps Google to its email', () => {
    expect(identityFromPublisher({ kind: 'Google', email: 'x@developer.gserviceaccount.com' })).toEqual({
      ok: true,
      identity: { kind: 'Google', email: 'x@developer.gserviceaccount.com' },
    });
  });

  it('lifts identity keys found only under claims, and never writes per-release values', () => {
    const r = identityFromPublisher({ kind: 'GitHub', claims: { repository: 'o/r', workflow: 'w.yml', ref: 'refs/tags/v1', sha: 'abc' } });
    expect(r).toEqual({ ok: true, identity: { kind: 'GitHub', repository: 'o/r', workflow: 'w.yml' } });
  });

  it('top-level values win over claims', () => {
    const r = identityFromPublisher({ kind: 'GitHub', repository: 'top/r', workflow: 'w.yml', claims: { repository: 'claims/r' } });
    expect(r.ok && r.identity['repository']).toBe('top/r');
  });

  it('passes scalar keys of unknown kinds through, sorted, without per-release or nested values', () => {
    const r = identityFromPublisher({ kind: 'Forgejo', project: 'a/b', nested: { x: 1 }, ref: 'v1', count: 3, flag: true });
    expect(r).toEqual({ ok: true, identity: { kind: 'Forgejo', count: 3, flag: true, project: 'a/b' } });
  });

  it('refuses non-scalar known claims and absurd values', () => {
    expect(identityFromPublisher({ kind: 'GitHub', repository: { evil: 1 }, workflow: 'w' }).ok).toBe(false);
    expect(identityFromPublisher({ kind: 'GitHub', repository: 'a'.repeat(5000), workflow: 'w' }).ok).toBe(false);
    expect(identityFromPublisher({ kind: '' }).ok).toBe(false);
    expect(identityFromPublisher({ kind: 7 } as never).ok).toBe(false);
  });
});

describe('identity sets', () => {
  const a = { kind: 'GitHub', repository: 'o/r', workflow: 'w.yml' };
  it('are equal whatever the key order and with "" environments', () => {
    expect(identityKey({ workflow: 'w.yml', kind: 'GitHub', repository: 'o/r' })).toBe(identityKey(a));
    expect(sameIdentitySet([a], [{ ...a, environment: '' }])).toBe(true);
    expect(sameIdentitySet([a], [{ ...a, environment: 'pypi' }])).toBe(false);
  });

  it('de-duplicate and order deterministically', () => {
    const g = { kind: 'Google', email: 'e@x' };
    expect(normalizeIdentitySet([g, a, { ...a }, g])).toEqual([a, g]);
    expect(normalizeIdentitySet([a, g])).toEqual(normalizeIdentitySet([g, a]));
  });

  it('canonicalizes a recorded identity (spec example: alphabetical keys) to kind-first order', () => {
    const recorded = canonicalIdentity({ environment: 'release-pypi', kind: 'GitHub', repository: 'python-attrs/attrs', workflow: 'pypi-package.yml' });
    expect(Object.keys(recorded!)).toEqual(['kind', 'repository', 'workflow', 'environment']);
  });
});

describe('identityFromPublisher on hostile unicode', () => {
  it('refuses lone surrogates and keeps non-BMP text exactly', () => {
    expect(identityFromPublisher({ kind: 'GitHub', repository: 'o/\ud800', workflow: 'w' }).ok).toBe(false);
    expect(identityFromPublisher({ kind: 'GitHub', repository: 'o/😀', workflow: 'w' })).toEqual({
      ok: true,
      identity: { kind: 'GitHub', repository: 'o/😀', workflow: 'w' },
    });
  });
});
