/**
 * pylock-attest as a library. Importing this module has no side effects:
 * nothing is registered, no network or sigstore code is loaded until used.
 */
export { enrich, type EnrichOptions, type EnrichResult, type LockfileResult } from './app/enrich.js';
export { lock, type LockOptions, type LockResult } from './app/lock.js';
export { refresh, EXIT_UPDATED, type RefreshOptions, type RefreshResult, type RefreshOutcome } from './app/refresh.js';
export { renderRefreshSummary } from './app/refresh-summary.js';
export { evaluateLockfiles, type EvaluateOptions, type Evaluation, type EvaluatedLockfile, type FileReport } from './app/evaluate.js';
export { check, type CheckOptions } from './app/check.js';
export { diff, type DiffOptions } from './app/diff.js';
export type { AuditResult, AuditLockfile } from './app/audit-result.js';
export { diffLocks } from './core/diff.js';
export { applyPolicy, policyFromToml, EMPTY_POLICY, type Policy, type AllowRule } from './core/policy.js';
export { loadPolicy } from './io/policy-file.js';
export { AUDIT_CATEGORIES, DEFAULT_SEVERITY } from './core/findings.js';
export { PylockAttestError, ERROR_CODES, type ErrorCode, type ErrorReport } from './errors.js';
export type { Identity, Publisher, Provenance, Attestation, AttestationBundle } from './core/types.js';
export type { PackageOutcome, FileOutcome, Finding, FindingCategory, Severity, PackageStatus, FileStatus, Action, Allowance } from './core/outcome.js';
export { identityFromPublisher, normalizeIdentitySet, sameIdentitySet } from './core/identity.js';
export { parseLock, type LockModel, type LockedPackage, type LockedFile } from './core/lockfile.js';
export { VERSION } from './version.js';
