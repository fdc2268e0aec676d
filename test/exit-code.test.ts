/**
 * One ranking of exit codes for every command (errors.ts `runExitCode`):
 * input errors (2) outrank index failures (3), which outrank findings (1).
 * enrich (and refresh, lock) and the audit (check, diff) reach it through
 * their own results and must agree on the same situation.
 */
import { describe, expect, it } from 'vitest';
import { finishAudit } from '../src/app/audit-result.js';
import { exitCodeOf, type LockfileResult } from '../src/app/enrich.js';
import type { Finding, PackageOutcome } from '../src/core/outcome.js';
import { EMPTY_POLICY } from '../src/core/policy.js';
import { PylockAttestError, runExitCode, type ErrorCode } from '../src/errors.js';

const finding = (severity: Finding['severity'], category: Finding['category'] = 'partial-attestation'): Finding => ({
  category,
  severity,
  package: 'a',
  version: '1',
  line: 1,
  message: 'm',
});

interface Situation {
  name: string;
  errors: ErrorCode[];
  unavailable: boolean;
  findings: Finding[];
  expected: 0 | 1 | 2 | 3;
}

const SITUATIONS: Situation[] = [
  { name: 'nothing', errors: [], unavailable: false, findings: [], expected: 0 },
  { name: 'a warning only', errors: [], unavailable: false, findings: [finding('warning')], expected: 0 },
  { name: 'an error finding', errors: [], unavailable: false, findings: [finding('error')], expected: 1 },
  { name: 'an allowed error finding', errors: [], unavailable: false, findings: [{ ...finding('error'), allowed: true }], expected: 0 },
  { name: 'a verdict error', errors: ['VERIFY_FAILED'], unavailable: false, findings: [], expected: 1 },
  { name: 'the index could not answer', errors: [], unavailable: true, findings: [finding('error')], expected: 3 },
  { name: 'an index error beside findings', errors: ['INDEX_HTTP'], unavailable: false, findings: [finding('error')], expected: 3 },
  { name: 'an input error outranks the index', errors: ['INDEX_TIMEOUT', 'LOCK_PARSE'], unavailable: true, findings: [finding('error')], expected: 2 },
];

const report = (code: ErrorCode) => new PylockAttestError(code, 'x').toReport();

describe('exit codes', () => {
  it.each(SITUATIONS)('$name → $expected', ({ errors, unavailable, findings, expected }) => {
    expect(runExitCode(errors, { unavailable, failing: findings.some((f) => f.severity === 'error' && f.allowed !== true) })).toBe(expected);
  });

  it.each(SITUATIONS)('enrich and the audit agree: $name → $expected', ({ errors, unavailable, findings, expected }) => {
    // enrich: an unavailable file makes its package unavailable; the audit reports it as an `unavailable` finding.
    const pkg = { status: unavailable ? 'unavailable' : 'verified' } as PackageOutcome;
    const lockfiles: LockfileResult[] = [
      { path: 'a.toml', packages: [pkg], findings, warnings: [], changed: false, written: false },
      ...errors.map(
        (code): LockfileResult => ({ path: `${code}.toml`, packages: [], findings: [], warnings: [], changed: false, written: false, error: report(code) }),
      ),
    ];
    expect(exitCodeOf(lockfiles)).toBe(expected);
    const audit = finishAudit({
      command: 'check',
      online: true,
      lockfiles: [{ path: 'a.toml', packages: 1 }, ...errors.map((code) => ({ path: `${code}.toml`, packages: 0, error: report(code) }))],
      findings: unavailable ? [...findings, finding('error', 'unavailable')] : findings,
      policy: EMPTY_POLICY,
      now: new Date('2026-01-01T00:00:00Z'),
      requests: 0,
    });
    expect(audit.exitCode).toBe(expected);
  });

  it("enrich counts the policy's own findings", () => {
    expect(exitCodeOf([], [finding('error', 'allowance-expired')])).toBe(1);
    expect(exitCodeOf([], [finding('warning', 'allowance-expired')])).toBe(0);
  });
});
