import { canonicalIdentity, describeClaims, describeIdentity, identityKey, normalizeIdentitySet, sameIdentitySet } from './identity.js';
import type { LockedPackage, SkipReason } from './lockfile.js';
import type { ErrorCode } from '../errors.js';
import type { Identity } from './types.js';

/**
 * Per-file and per-package verdicts, and the decision of what to write.
 * Pure: the app layer gathers file outcomes; this decides.
 */

export type FileStatus =
  | 'verified' // every attestation checked: sigstore, publisher policy, statement
  | 'unverified' // --no-verify: identities taken from the index's claims
  | 'no-provenance' // the index says this file has none
  | 'unavailable' // the index could not answer (403, network, bad body): never evidence of absence
  | 'invalid' // provenance present but it does not verify
  | 'index-mismatch'; // the index lists another sha256 for this file, or does not list it

export interface FileOutcome {
  filename: string;
  sha256: string;
  status: FileStatus;
  identities: Identity[];
  /** Why, for anything but verified. */
  detail?: string;
  /** Where the answer came from (credentials removed). */
  source?: string;
  /** For `unavailable`: why the index could not answer (INDEX_TIMEOUT, INDEX_BODY, …). */
  code?: ErrorCode;
  /**
   * Per identity, in the order of `identities`: the keys no certificate claim
   * backs, so only the index's word (`environment`; with --no-verify, every key).
   * Absent (an outcome from elsewhere): every key counts as a claim.
   */
  unverifiedKeys?: string[][];
}

/**
 * `partial`: some locked files are attested and others have no provenance.
 * Never `verified`: PEP 751 identities cover every file of the package, so
 * they would vouch for the unattested ones too.
 */
export type PackageStatus = FileStatus | 'partial' | 'skipped';

export type FindingCategory =
  | 'verification-failed'
  | 'identity-removed'
  | 'publisher-changed'
  | 'index-disagrees'
  | 'partial-attestation'
  | 'mixed-publishers'
  | 'unavailable'
  // audit (diff/check): see docs/audit.md
  | 'identity-added'
  | 'new-package-unattested'
  | 'not-enriched'
  | 'allowance-expired';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  category: FindingCategory;
  /** For publisher-changed: what changed. */
  subkind?: 'kind' | 'repository' | 'workflow' | 'environment' | 'identity';
  severity: Severity;
  package: string;
  version: string | undefined;
  line: number;
  message: string;
  old?: Identity[];
  new?: Identity[];
  /** Accepted by the user (--allow-identity-change): reported, but not a failure. */
  allowed?: boolean;
  /** Audit reports: the lockfile (or policy file) the finding points into; `line` is in it. */
  path?: string;
  /** Audit reports: the distribution file, for findings about one file. */
  file?: string;
  /** Audit reports: the policy allowance that accepted it (then `allowed` is true). */
  allowance?: Allowance;
}

/** A `[[tool.pylock-attest.allow]]` entry as a finding cites it. */
export interface Allowance {
  reason: string;
  /** YYYY-MM-DD, valid through that day (UTC). */
  expires: string;
  /** Where it is written. */
  source: string;
  line: number;
}

/** What happens to the package's identities in the file. */
export type Action = 'added' | 'updated' | 'removed' | 'unchanged' | 'kept' | 'none';

export interface PackageOutcome {
  name: string;
  version: string | undefined;
  line: number;
  status: PackageStatus;
  skip?: SkipReason;
  files: FileOutcome[];
  /**
   * Identities the index proves now (or claims, with --no-verify). For
   * `partial`: what the attested files prove; written only when every
   * unattested file is accepted by a policy allowance.
   */
  identities: Identity[];
  /** `unverifiedKeys[i]`: the keys of `identities[i]` that are only the index's claim (see FileOutcome). */
  unverifiedKeys: string[][];
  recorded: Identity[] | undefined;
  action: Action;
  findings: Finding[];
}

export interface DecideOptions {
  allowIdentityChange: boolean;
  /** The live policy allowance that accepts a finding, if any (asked for partial-attestation findings). */
  allowanceFor?: (f: Finding) => Allowance | undefined;
}

const STATUS_PRECEDENCE: FileStatus[] = ['unavailable', 'invalid', 'index-mismatch'];

export function decidePackage(pkg: LockedPackage, files: FileOutcome[], opts: DecideOptions): PackageOutcome {
  const base = { name: pkg.name, version: pkg.version, line: pkg.line, files, recorded: pkg.identities };
  if (pkg.skip !== undefined) {
    return { ...base, status: 'skipped', skip: pkg.skip, identities: [], unverifiedKeys: [], action: 'none', findings: [] };
  }
  const blocking = STATUS_PRECEDENCE.find((s) => files.some((f) => f.status === s));
  if (blocking !== undefined) {
    return { ...base, status: blocking, identities: [], unverifiedKeys: [], action: 'kept', findings: blockingFindings(pkg, files, blocking) };
  }
  const attested = files.filter((f) => f.status === 'verified' || f.status === 'unverified');
  const identities = normalizeIdentitySet(attested.flatMap((f) => f.identities));
  const partial = partialFindings(pkg, files, attested.length, opts.allowanceFor);
  const proven: Proven = { status: packageStatus(attested, partial.length), identities, unverifiedKeys: identities.map((i) => claimedKeys(i, attested)) };
  // A partially attested package gets identities only when every unattested file is accepted.
  const accepted = partial.every((f) => f.allowed === true);
  const findings = [...partial, ...mixedFindings(pkg, proven)];
  const decided = decideAction(pkg, proven, { allowIdentityChange: opts.allowIdentityChange && accepted });
  if (decided.finding) findings.unshift(decided.finding);
  const action = accepted || decided.action !== 'added' ? decided.action : 'none';
  return { ...base, ...proven, action, findings };
}

/** What the index proves for a package: its identities, and per identity the keys that are only the index's word. */
type Proven = Pick<PackageOutcome, 'status' | 'identities' | 'unverifiedKeys'>;

/**
 * Identities the index proves, in words, each key no certificate backs
 * marked `[index claim]` (`environment`): wherever a report says "proves",
 * a claim must not read as proven. With --no-verify (`unverified`) nothing
 * is proven and every report says so once, so nothing is marked.
 */
export function describeProven(identities: readonly Identity[], from: Proven): string {
  const claimed = new Map(from.identities.map((i, n) => [identityKey(i), from.unverifiedKeys[n]]));
  const words = (i: Identity) => (from.status === 'unverified' ? describeIdentity(i) : describeClaims(i, claimed.get(identityKey(i)) ?? Object.keys(i)));
  return identities.map(words).join('; ');
}

function packageStatus(attested: readonly FileOutcome[], unattested: number): PackageStatus {
  if (attested.length === 0) return 'no-provenance';
  if (unattested > 0) return 'partial';
  return attested.some((f) => f.status === 'unverified') ? 'unverified' : 'verified';
}

function blockingFindings(pkg: LockedPackage, files: FileOutcome[], status: FileStatus): Finding[] {
  const bad = files.filter((f) => f.status === status);
  const detail = bad.map((f) => `${f.filename}: ${f.detail ?? status}`).join('; ');
  const category: FindingCategory = status === 'invalid' ? 'verification-failed' : status === 'index-mismatch' ? 'index-disagrees' : 'unavailable';
  const what =
    status === 'invalid' ? 'attestation does not verify' : status === 'index-mismatch' ? 'the index disagrees with the lockfile' : 'the index could not answer';
  return [finding(pkg, category, 'error', `${what}: ${detail}`)];
}

/**
 * One error per locked file without provenance in a package whose other
 * files are attested: an identity recorded for the package would vouch for
 * that file too (a stolen token uploads an extra wheel to an attested
 * release). A policy allowance may accept a named file or the whole package.
 */
function partialFindings(pkg: LockedPackage, files: FileOutcome[], attested: number, allowanceFor: DecideOptions['allowanceFor']): Finding[] {
  if (attested === 0) return [];
  const of = `${attested} of the package's ${files.length} locked files ${attested === 1 ? 'is' : 'are'} attested`;
  return files
    .filter((f) => f.status === 'no-provenance')
    .map((f) => {
      const out = finding(
        pkg,
        'partial-attestation',
        'error',
        `${f.filename} has no provenance, but ${of}: an identity recorded for the package would vouch for this file too`,
      );
      out.file = f.filename;
      const allowance = allowanceFor?.(out);
      if (allowance !== undefined) {
        out.allowed = true;
        out.allowance = allowance;
      }
      return out;
    });
}

function mixedFindings(pkg: LockedPackage, proven: Proven): Finding[] {
  if (proven.identities.length <= 1) return [];
  return [finding(pkg, 'mixed-publishers', 'warning', `files come from ${proven.identities.length} publishers: ${describeProven(proven.identities, proven)}`)];
}

/** The keys of `identity` that an attested file could only claim; a file that does not say counts every key. */
function claimedKeys(identity: Identity, attested: readonly FileOutcome[]): string[] {
  const key = identityKey(identity);
  const keys = new Set<string>();
  for (const f of attested) {
    f.identities.forEach((i, n) => {
      const canonical = canonicalIdentity(i);
      if (canonical === undefined || identityKey(canonical) !== key) return;
      for (const k of f.unverifiedKeys?.[n] ?? Object.keys(identity)) keys.add(k);
    });
  }
  return [...keys].sort();
}

/** Rule: never silently drop or change a recorded identity. */
function decideAction(pkg: LockedPackage, proven: Proven, opts: DecideOptions): { action: Action; finding?: Finding } {
  const { identities } = proven;
  const recorded = pkg.identities ?? [];
  if (recorded.length === 0) return { action: identities.length > 0 ? 'added' : 'none' };
  if (sameIdentitySet(recorded, identities)) return { action: 'unchanged' };
  const allowed = opts.allowIdentityChange;
  if (identities.length === 0) {
    const f = finding(
      pkg,
      'identity-removed',
      'error',
      `recorded ${recorded.map(describeIdentity).join('; ')}, but the index now proves no identity`,
      recorded,
      [],
    );
    return { action: allowed ? 'removed' : 'kept', finding: { ...f, allowed } };
  }
  const f = finding(
    pkg,
    'publisher-changed',
    'error',
    `recorded ${recorded.map(describeIdentity).join('; ')}, the index now proves ${describeProven(identities, proven)}`,
    recorded,
    identities,
  );
  return { action: allowed ? 'updated' : 'kept', finding: { ...f, subkind: changeSubkind(recorded, identities), allowed } };
}

/** The most significant difference: a change of forge beats repository beats workflow beats environment. */
export function changeSubkind(before: Identity[], after: Identity[]): NonNullable<Finding['subkind']> {
  if (before.length !== 1 || after.length !== 1) return 'identity';
  const [a, b] = [before[0]!, after[0]!];
  if (a.kind !== b.kind) return 'kind';
  for (const key of ['repository', 'email', 'workflow', 'workflow_filepath'] as const) {
    if (a[key] !== b[key]) return key === 'email' ? 'repository' : key === 'workflow_filepath' ? 'workflow' : key;
  }
  return a['environment'] !== b['environment'] ? 'environment' : 'identity';
}

function finding(pkg: LockedPackage, category: FindingCategory, severity: Severity, message: string, old?: Identity[], now?: Identity[]): Finding {
  const f: Finding = { category, severity, package: pkg.name, version: pkg.version, line: pkg.line, message };
  if (old) f.old = old;
  if (now) f.new = now;
  return f;
}

/** The identities the file should hold for this package after the run, or undefined for "leave it". */
export function identitiesToWrite(outcome: PackageOutcome): Identity[] | undefined {
  switch (outcome.action) {
    case 'added':
    case 'updated':
      return outcome.identities;
    case 'removed':
      return [];
    default:
      return undefined;
  }
}
