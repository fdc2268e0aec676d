/**
 * Audit results the report tests render: one from the fixture lockfiles
 * (every offline finding, with hostile values from the "index"), and one
 * synthetic result holding every category and a lockfile error.
 * A helper module, not a test file (vitest runs only *.test.ts).
 */
import { fileURLToPath } from 'node:url';
import { diff } from '../src/app/diff.js';
import { finishAudit, type AuditResult } from '../src/app/audit-result.js';
import { AUDIT_CATEGORIES, auditFinding } from '../src/core/findings.js';
import { EMPTY_POLICY, type Policy } from '../src/core/policy.js';

const dir = (name: string) => fileURLToPath(new URL(`../fixtures/audit/reports/${name}`, import.meta.url));
export const NOW = new Date('2026-03-01T00:00:00Z');

export function fixtureResult(): Promise<AuditResult> {
  return diff(dir('old.pylock.toml'), dir('new.pylock.toml'), { policyFile: dir('policy.toml'), now: NOW });
}

const HOSTILE = 'a|b\\|c:d,e%f\r\ng::warning::x <i>y</i> [z](u) `q` *s* _t_ ~v~ &amp;';

export function everyCategoryResult(): AuditResult {
  const findings = AUDIT_CATEGORIES.map((category, i) =>
    auditFinding({
      category,
      package: i === 0 ? `pkg-${HOSTILE}` : `pkg-${i}`,
      version: i % 2 === 0 ? '1.0' : undefined,
      path: i === 3 ? 'sub dir/pylock.dev.toml' : 'pylock.toml',
      line: i === 4 ? 0 : 10 + i,
      message: i === 0 ? HOSTILE : `message ${i}`,
      ...(i % 3 === 0 ? { old: [{ kind: 'GitHub', repository: 'o/r', workflow: 'w.yml' }] } : {}),
      ...(i % 3 !== 2 ? { new: [{ kind: 'GitLab', repository: 'o/r', workflow_filepath: '.gitlab-ci.yml', environment: 'prod' }] } : {}),
      ...(category === 'publisher-changed' ? { subkind: 'kind' as const } : {}),
      ...(category === 'verification-failed' ? { file: 'pkg-8.whl' } : {}),
    }),
  );
  const policy: Policy = {
    ...EMPTY_POLICY,
    source: 'pyproject.toml',
    allow: [{ package: 'pkg-1', category: 'publisher-changed', reason: 'moved, | approved', expires: '2026-12-31', source: 'pyproject.toml', line: 7 }],
  };
  return finishAudit({
    command: 'check',
    online: true,
    lockfiles: [
      { path: 'pylock.toml', base: 'git:HEAD:pylock.toml', packages: 12 },
      { path: 'sub dir/pylock.dev.toml', packages: 3 },
      { path: 'broken.toml', packages: 0, error: { code: 'LOCK_PARSE', message: `broken.toml:3:7: ${HOSTILE}` } },
    ],
    findings,
    policy,
    now: NOW,
    requests: 42,
    trustRoot: 'tuf',
  });
}

export const HOSTILE_TEXT = HOSTILE;
