import { compareStrings } from './compare-strings.js';
import { describeIdentity, normalizeIdentitySet } from './identity.js';
import { normalizeProjectName } from './names.js';
import type { Finding, FindingCategory, Severity } from './outcome.js';
import type { Identity } from './types.js';

/**
 * The audit's findings: categories, their default severities, and the small
 * helpers diff and check share. Pure. docs/audit.md explains each category.
 */

export const AUDIT_CATEGORIES = [
  'identity-removed',
  'publisher-changed',
  'identity-added',
  'new-package-unattested',
  'partial-attestation',
  'mixed-publishers',
  'index-disagrees',
  'not-enriched',
  'verification-failed',
  'unavailable',
  'allowance-expired',
] as const satisfies readonly FindingCategory[];

/** Before policy. `new-package-unattested` becomes an error under `require-attestations`. */
export const DEFAULT_SEVERITY: Readonly<Record<FindingCategory, Severity>> = {
  'identity-removed': 'error',
  'publisher-changed': 'error',
  'index-disagrees': 'error',
  'verification-failed': 'error',
  'not-enriched': 'error',
  unavailable: 'error',
  'allowance-expired': 'error',
  'partial-attestation': 'error',
  'mixed-publishers': 'warning',
  'identity-added': 'info',
  'new-package-unattested': 'info',
};

/** One line per category, for report rule tables (SARIF) and docs. */
export const CATEGORY_SUMMARY: Readonly<Record<FindingCategory, string>> = {
  'identity-removed': 'A package had recorded attestation identities and has none now',
  'publisher-changed': 'A package is now published by a different identity (repository, workflow, environment or forge)',
  'identity-added': 'A package gained attestation identities',
  'new-package-unattested': 'A new package records no attestation identity',
  'partial-attestation': "A locked file has no provenance while others of its package are attested: the package's identity would vouch for it",
  'mixed-publishers': "One package's files come from different publisher identities",
  'index-disagrees': 'The identities recorded in the lockfile differ from what the index proves now',
  'not-enriched': 'The index proves identities the lockfile does not record',
  'verification-failed': 'An attestation the index serves does not verify',
  unavailable: 'The index could not answer, so nothing could be checked',
  'allowance-expired': 'A policy allowance is past its expiry date',
};

export interface FindingInit {
  category: FindingCategory;
  package: string;
  version: string | undefined;
  path: string;
  line: number;
  message: string;
  subkind?: Finding['subkind'];
  old?: Identity[];
  new?: Identity[];
  file?: string;
}

export function auditFinding(init: FindingInit): Finding {
  const f: Finding = {
    category: init.category,
    severity: DEFAULT_SEVERITY[init.category],
    package: init.package,
    version: init.version,
    line: init.line,
    message: init.message,
    path: init.path,
  };
  if (init.subkind !== undefined) f.subkind = init.subkind;
  if (init.old !== undefined) f.old = init.old;
  if (init.new !== undefined) f.new = init.new;
  if (init.file !== undefined) f.file = init.file;
  return f;
}

/** `GitHub a/b (release.yml); GitLab c/d (.gitlab-ci.yml)`, or `none`. */
export function describeSet(identities: readonly Identity[] | undefined): string {
  const set = normalizeIdentitySet(identities ?? []);
  return set.length === 0 ? 'none' : set.map(describeIdentity).join('; ');
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** Stable report order: path, then severity, then line, category, package. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      compareStrings(a.path ?? '', b.path ?? '') ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.line - b.line ||
      compareStrings(a.category, b.category) ||
      compareStrings(a.package, b.package),
  );
}

/** One finding per fact: the same change seen from two entries of one package (or by diff and check) counts once. */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify([f.path, f.category, f.subkind, normalizeProjectName(f.package), f.file, keyOf(f.old), keyOf(f.new)]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Does any finding fail the run (an error nobody accepted)? */
export function isFailing(f: Finding): boolean {
  return f.severity === 'error' && f.allowed !== true;
}

function keyOf(set: readonly Identity[] | undefined): string | undefined {
  return set === undefined ? undefined : JSON.stringify(normalizeIdentitySet(set));
}
