import { isFailing } from '../core/findings.js';
import type { Finding } from '../core/outcome.js';
import { applyPolicy, utcDate, type Policy } from '../core/policy.js';
import { runExitCode, type ErrorReport } from '../errors.js';

/** One lockfile of a check or diff. */
export interface AuditLockfile {
  /** As given (or `git:<rev>:<path>`). */
  path: string;
  /** The baseline it was compared with, when there was one. */
  base?: string;
  /** The baseline is a `git:<rev>` where this lockfile did not exist yet: every package is new. */
  baseAbsent?: boolean;
  packages: number;
  /** Why it could not be audited (input error exit 2, index failure exit 3): the message and, apart, what to do. */
  error?: ErrorReport;
}

/** The result of `check` and `diff`: the JSON report is this object (docs/schema/findings-v1.schema.json). */
export interface AuditResult {
  schema: 'pylock-attest/findings@1';
  command: 'check' | 'diff';
  /** The index was asked (check without --offline). */
  online: boolean;
  /** Where the policy came from; absent when there was none. */
  policy?: string;
  /** The UTC date allowances were compared with. */
  today: string;
  lockfiles: AuditLockfile[];
  /** After policy, in report order. */
  findings: Finding[];
  summary: { error: number; warning: number; info: number; allowed: number };
  /** HTTP requests made (0 offline). */
  requests: number;
  trustRoot?: string;
  exitCode: 0 | 1 | 2 | 3;
}

export interface AuditParts {
  command: AuditResult['command'];
  online: boolean;
  lockfiles: AuditLockfile[];
  findings: Finding[];
  policy: Policy;
  now: Date;
  requests: number;
  trustRoot?: string;
}

/** Policy applied once over every lockfile's findings (an expired allowance is reported once), then the exit code. */
export function finishAudit(parts: AuditParts): AuditResult {
  const findings = applyPolicy(parts.findings, parts.policy, parts.now);
  const summary = { error: 0, warning: 0, info: 0, allowed: 0 };
  for (const f of findings) {
    if (f.allowed) summary.allowed++;
    else summary[f.severity]++;
  }
  const result: AuditResult = {
    schema: 'pylock-attest/findings@1',
    command: parts.command,
    online: parts.online,
    today: utcDate(parts.now),
    lockfiles: parts.lockfiles,
    findings,
    summary,
    requests: parts.requests,
    exitCode: auditExitCode(parts.lockfiles, findings),
  };
  if (parts.policy.source !== undefined) result.policy = parts.policy.source;
  if (parts.trustRoot !== undefined) result.trustRoot = parts.trustRoot;
  return result;
}

/** The run's exit code (errors.ts `runExitCode`): an `unavailable` finding is the index failing. */
function auditExitCode(lockfiles: readonly AuditLockfile[], findings: readonly Finding[]): 0 | 1 | 2 | 3 {
  const errors = lockfiles.flatMap((l) => (l.error ? [l.error.code] : []));
  return runExitCode(errors, { unavailable: findings.some((f) => f.category === 'unavailable'), failing: findings.some(isFailing) });
}
