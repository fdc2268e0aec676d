import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../src/io/policy-file.js';
import { allowanceFor, applyPolicy, isExpired, matchesName, policyFromToml, ruleMatches, type AllowRule, type Policy } from '../src/core/policy.js';
import { auditFinding } from '../src/core/findings.js';
import type { Finding } from '../src/core/outcome.js';
import { tempDir } from './support/workspace.ts';

const DIR = new URL('../fixtures/audit/policy/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, DIR), 'utf8');
const GH = (repository: string, extra: Record<string, string> = {}) => ({ kind: 'GitHub', repository, workflow: 'pypi-package.yml', ...extra });

function change(pkg: string, old: Finding['old'], now: Finding['new'], category: Finding['category'] = 'publisher-changed'): Finding {
  return auditFinding({
    category,
    package: pkg,
    version: '1.0',
    path: 'pylock.toml',
    line: 3,
    message: 'm',
    ...(old ? { old } : {}),
    ...(now ? { new: now } : {}),
  });
}

function policy(text: string): Policy {
  return policyFromToml(text, 'policy.toml', true);
}

describe('reading a policy', () => {
  it('pyproject.toml [tool.pylock-attest]: lists normalized, severities, allowances with their lines', () => {
    const p = policyFromToml(fixture('pyproject.toml'), 'pyproject.toml', false);
    expect(p.requireAttestations).toEqual(['*']);
    expect(p.ignore).toEqual(['internal-*', 'our-private-tool']);
    expect(p.severity).toEqual({ 'mixed-publishers': 'error', 'identity-added': 'warning' });
    expect(p.allow.map((r) => [r.package, r.category, r.expires, r.line])).toEqual([
      ['attrs', undefined, '2026-06-30', 15],
      ['legacy-*', 'publisher-changed', '2025-12-31', 23],
    ]);
    expect(p.allow[0]!.from).toEqual({ repository: 'python-attrs/attrs', workflow: 'pypi-package.yml', environment: '' });
  });

  it('a standalone file (--policy) uses its top level; a found pyproject without the table is the empty policy', () => {
    const p = policyFromToml(fixture('standalone.toml'), 'standalone.toml', true);
    expect(p.requireAttestations).toEqual(['requests', 'urllib3']);
    expect(p.allow[0]).toMatchObject({ package: 'requests', category: 'identity-removed', line: 4, source: 'standalone.toml' });
    expect(policyFromToml('[project]\nname = "x"\n', 'pyproject.toml', false)).toMatchObject({ requireAttestations: [], allow: [] });
    expect(() => policyFromToml('[project]\nname = "x"\n', 'p.toml', true)).toThrow(expect.objectContaining({ code: 'POLICY', line: 1 }));
  });

  it('errors carry the file and line: unknown keys, bad dates, missing fields, bad TOML', () => {
    expect(() => policyFromToml(fixture('unknown-key.toml'), 'u.toml', false)).toThrow(expect.objectContaining({ code: 'POLICY', file: 'u.toml', line: 7 }));
    expect(() => policyFromToml(fixture('bad-date.toml'), 'b.toml', false)).toThrow(expect.objectContaining({ code: 'POLICY', line: 7 }));
    const cases: Array<[string, number]> = [
      ['require-attestation = ["*"]\n', 1],
      ['require-attestations = "*"\n', 1],
      ['ignore = [1]\n', 1],
      ['[severity]\nidentity-removed = "fatal"\n', 2],
      ['[severity]\nno-such-thing = "error"\n', 2],
      ['[severity]\nunavailable = "info"\n', 2],
      ['[[allow]]\npackage = "a"\nreason = "r"\nexpires = 2026-01-01\n', 1],
      ['[[allow]]\npackage = "a"\ncategory = "publisher-changed"\nexpires = 2026-01-01\n', 1],
      ['[[allow]]\npackage = "a"\ncategory = "publisher-changed"\nreason = "r"\n', 1],
      ['[[allow]]\npackage = "a"\ncategory = "publisher-changed"\nreason = "r"\nexpires = 2026-01-01T00:00:00Z\n', 5],
      ['[[allow]]\npackage = "a"\ncategory = "allowance-expired"\nreason = "r"\nexpires = 2026-01-01\n', 3],
      ['[[allow]]\npackage = "a"\nto = {}\nreason = "r"\nexpires = 2026-01-01\n', 3],
      ['\n\n[[allow]]\npackage = "a"\nfrom = { repository = ["x"] }\nreason = "r"\nexpires = 2026-01-01\n', 5],
      ['a = = 1\n', 1],
    ];
    for (const [text, line] of cases) expect(() => policy(text), text).toThrow(expect.objectContaining({ code: 'POLICY', line }));
  });

  it('loadPolicy: --policy must exist; ./pyproject.toml is optional', async () => {
    const ws = tempDir();
    try {
      await expect(loadPolicy({ file: `${ws.dir}/missing.toml` })).rejects.toMatchObject({ code: 'POLICY' });
      expect(await loadPolicy({ cwd: ws.dir })).toMatchObject({ requireAttestations: [], allow: [] });
      ws.file('pyproject.toml', fixture('pyproject.toml'));
      expect((await loadPolicy({ cwd: ws.dir })).allow).toHaveLength(2);
      expect((await loadPolicy({ file: new URL('standalone.toml', DIR).pathname })).requireAttestations).toEqual(['requests', 'urllib3']);
    } finally {
      ws.cleanup();
    }
  });
});

describe('matching', () => {
  it('globs on PEP 503-normalized names', () => {
    expect(matchesName('*', 'Anything.At_All')).toBe(true);
    expect(matchesName('django-*', 'Django_REST.framework')).toBe(true);
    expect(matchesName('django-*', 'django')).toBe(false);
    expect(matchesName('py?aml', 'PyYAML')).toBe(true);
    expect(matchesName('a.b', 'a-b')).toBe(false); // patterns are normalized when read, not here
  });

  const rule = (r: Partial<AllowRule>): AllowRule => ({ package: 'attrs', reason: 'r', expires: '2026-06-30', source: 'p', line: 1, ...r });

  it('from matches an old identity, to must match every newly accepted one', () => {
    const f = change('attrs', [GH('python-attrs/attrs')], [GH('python-attrs/attrs', { environment: 'release-pypi' })]);
    expect(ruleMatches(rule({ from: { repository: 'python-attrs/attrs', environment: '' }, to: { environment: 'release-pypi' } }), f)).toBe(true);
    expect(ruleMatches(rule({ from: { environment: 'release-pypi' } }), f)).toBe(false);
    expect(ruleMatches(rule({ to: { environment: 'staging' } }), f)).toBe(false);
    const sneaky = change('attrs', [GH('a/a')], [GH('b/b'), GH('evil/evil')]);
    expect(ruleMatches(rule({ to: { repository: 'b/b' } }), sneaky)).toBe(false);
    expect(ruleMatches(rule({ category: 'mixed-publishers' }), f)).toBe(false);
    expect(ruleMatches(rule({ package: 'other', category: 'publisher-changed' }), f)).toBe(false);
  });

  it('a removal is accepted only by a rule that names identity-removed', () => {
    const removed = change('attrs', [GH('a/a')], [], 'identity-removed');
    expect(ruleMatches(rule({ from: { repository: 'a/a' } }), removed)).toBe(false);
    expect(ruleMatches(rule({ to: { repository: 'a/a' } }), removed)).toBe(false);
    expect(ruleMatches(rule({ category: 'identity-removed', from: { repository: 'a/a' } }), removed)).toBe(true);
  });

  it('`file` narrows an allowance to findings about that distribution file: exact, case-sensitive, globs', () => {
    const about = (file: string) => ({ ...change('pydantic-core', undefined, undefined, 'partial-attestation'), file });
    const p = policy(
      '[[allow]]\npackage = "pydantic_core"\nfile = "pydantic_core-*.tar.gz"\ncategory = "partial-attestation"\nreason = "sdist uploaded by hand"\nexpires = 2026-12-31\n',
    );
    expect(p.allow[0]).toMatchObject({ package: 'pydantic-core', file: 'pydantic_core-*.tar.gz', line: 1 });
    expect(allowanceFor(p, new Date('2026-03-01'), about('pydantic_core-2.0.tar.gz'))).toEqual({
      reason: 'sdist uploaded by hand',
      expires: '2026-12-31',
      source: 'policy.toml',
      line: 1,
    });
    expect(allowanceFor(p, new Date('2026-03-01'), about('PYDANTIC_CORE-2.0.tar.gz'))).toBeUndefined();
    expect(allowanceFor(p, new Date('2026-03-01'), about('pydantic_core-2.0-cp312-none-any.whl'))).toBeUndefined();
    // A finding that names no file never matches a rule that names one.
    expect(ruleMatches(p.allow[0]!, change('pydantic-core', undefined, undefined, 'partial-attestation'))).toBe(false);
    // Expired: accepts nothing.
    expect(allowanceFor(p, new Date('2027-01-01'), about('pydantic_core-2.0.tar.gz'))).toBeUndefined();
    for (const bad of ['file = ""', 'file = "dir/x.tar.gz"', 'file = 3']) {
      expect(() => policy(`[[allow]]\npackage = "x"\ncategory = "partial-attestation"\n${bad}\nreason = "r"\nexpires = 2026-12-31\n`)).toThrow(
        expect.objectContaining({ code: 'POLICY', line: 4 }),
      );
    }
  });

  it('expiry is by UTC date, inclusive of the expires day', () => {
    const r = rule({ expires: '2026-06-30' });
    expect(isExpired(r, new Date('2026-06-30T23:59:59Z'))).toBe(false);
    expect(isExpired(r, new Date('2026-07-01T00:00:00Z'))).toBe(true);
  });
});

describe('applying a policy', () => {
  const p = policyFromToml(fixture('pyproject.toml'), 'pyproject.toml', false);
  const envChange = change('attrs', [GH('python-attrs/attrs')], [GH('python-attrs/attrs', { environment: 'release-pypi' })]);

  it('an allowance that holds: reported, allowed, with its reason; no failure', () => {
    const [f, ...rest] = applyPolicy([envChange], p, new Date('2026-03-01'));
    expect(f).toMatchObject({
      category: 'publisher-changed',
      severity: 'error',
      allowed: true,
      allowance: { reason: expect.stringContaining('release-pypi'), expires: '2026-06-30', source: 'pyproject.toml', line: 15 },
    });
    // the legacy-* allowance expired on 2025-12-31: itself a finding, at its line in the policy file.
    expect(rest).toMatchObject([{ category: 'allowance-expired', severity: 'error', package: 'legacy-*', path: 'pyproject.toml', line: 23 }]);
  });

  it('an expired allowance accepts nothing, and is a finding', () => {
    const out = applyPolicy([envChange], p, new Date('2026-07-01'));
    expect(out.map((f) => [f.category, f.severity, f.allowed ?? false, f.line])).toEqual([
      ['publisher-changed', 'error', false, 3],
      ['allowance-expired', 'error', false, 15],
      ['allowance-expired', 'error', false, 23],
    ]);
  });

  it('severity overrides, require-attestations, ignore', () => {
    const findings = [
      change('attrs', undefined, [GH('a/a'), GH('b/b')], 'mixed-publishers'),
      change('newbie', [], [GH('n/n')], 'identity-added'),
      change('bare', undefined, [], 'new-package-unattested'),
      change('Internal_Thing', [GH('a/a')], [], 'identity-removed'),
      change('our.private-tool', [GH('a/a')], [GH('b/b')]),
    ];
    const out = applyPolicy(findings, p, new Date('2026-03-01')).filter((f) => f.category !== 'allowance-expired');
    expect(out.map((f) => [f.category, f.package, f.severity])).toEqual([
      ['mixed-publishers', 'attrs', 'error'],
      ['new-package-unattested', 'bare', 'error'],
      ['identity-added', 'newbie', 'warning'],
    ]);
    const lenient: Policy = {
      requireAttestations: ['bare*'],
      ignore: [],
      severity: { 'new-package-unattested': 'info', 'identity-removed': 'warning' },
      allow: [],
    };
    expect(applyPolicy(findings, lenient, new Date()).map((f) => [f.package, f.severity])).toContainEqual(['bare', 'error']);
    expect(applyPolicy(findings, lenient, new Date()).map((f) => [f.package, f.severity])).toContainEqual(['Internal_Thing', 'warning']);
  });
});
