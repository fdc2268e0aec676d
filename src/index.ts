/**
 * pylock-attest as a library. Importing this module has no side effects:
 * nothing is registered, no network or sigstore code is loaded until used.
 */
export { enrich, type EnrichOptions, type EnrichResult, type LockfileResult } from './app/enrich.js';
export { evaluateLockfiles, type EvaluateOptions, type Evaluation, type EvaluatedLockfile } from './app/evaluate.js';
export { PylockAttestError, type ErrorCode } from './errors.js';
export type { Identity, Publisher, Provenance, Attestation, AttestationBundle } from './core/types.js';
export type { PackageOutcome, FileOutcome, Finding, FindingCategory, Severity, PackageStatus, FileStatus, Action } from './core/outcome.js';
export { identityFromPublisher, normalizeIdentitySet, sameIdentitySet } from './core/identity.js';
export { parseLock, type LockModel, type LockedPackage, type LockedFile } from './core/lockfile.js';
export { VERSION } from './version.js';
