import { auditFinding, dedupeFindings, describeSet } from './findings.js';
import { identityKey, normalizeIdentitySet, sameIdentitySet } from './identity.js';
import type { LockedPackage, LockModel } from './lockfile.js';
import { changeSubkind, type Finding } from './outcome.js';
import type { Identity } from './types.js';

/**
 * Two lockfiles → findings: what happened to the identities the user had
 * already accepted. Pure.
 *
 * Packages are matched by PEP 503 name. A lockfile may pin one name several
 * times (one entry per marker); an entry is compared with the old entries of
 * the same name and marker, else with every old entry of that name. A version
 * bump within the same identities is no finding, and `""`, absent and null
 * environments are the same (identities are compared canonicalized).
 */
export function diffLocks(before: LockModel, after: LockModel, path: string): Finding[] {
  const byName = groupByName(before);
  const findings = after.packages.flatMap((pkg) => {
    const baseline = byName.get(pkg.project);
    return baseline === undefined ? newPackageFindings(pkg, path) : changeFindings(baselineFor(pkg, baseline), pkg, path);
  });
  return dedupeFindings(findings);
}

/**
 * Without a baseline: the state of one lockfile. Packages that record more
 * than one identity, and unattested packages that `required` names (every
 * package is "new" when there is nothing to compare with, but only policy
 * makes that worth reporting).
 */
export function stateFindings(model: LockModel, path: string, required: (name: string) => boolean): Finding[] {
  const findings = model.packages.flatMap((pkg) => {
    const now = normalizeIdentitySet(pkg.identities ?? []);
    if (now.length > 1) return [mixed(pkg, path, now)];
    if (now.length === 0 && pkg.skip === undefined && required(pkg.project)) return [unattested(pkg, path)];
    return [];
  });
  return dedupeFindings(findings);
}

function groupByName(model: LockModel): Map<string, LockedPackage[]> {
  const map = new Map<string, LockedPackage[]>();
  for (const pkg of model.packages) map.set(pkg.project, [...(map.get(pkg.project) ?? []), pkg]);
  return map;
}

/** The recorded identities this entry is held to: same marker if one matches, else every entry of the name. */
function baselineFor(pkg: LockedPackage, candidates: LockedPackage[]): Identity[] {
  const sameMarker = candidates.filter((c) => c.marker === pkg.marker);
  const chosen = sameMarker.length > 0 ? sameMarker : candidates;
  return normalizeIdentitySet(chosen.flatMap((c) => c.identities ?? []));
}

function newPackageFindings(pkg: LockedPackage, path: string): Finding[] {
  const now = normalizeIdentitySet(pkg.identities ?? []);
  if (now.length === 0) return pkg.skip === undefined ? [unattested(pkg, path)] : [];
  const added = finding(pkg, path, 'identity-added', `new package, published by ${describeSet(now)}`, [], now);
  return now.length > 1 ? [added, mixed(pkg, path, now)] : [added];
}

function changeFindings(old: Identity[], pkg: LockedPackage, path: string): Finding[] {
  const now = normalizeIdentitySet(pkg.identities ?? []);
  if (sameIdentitySet(old, now)) return [];
  const findings: Finding[] = [];
  if (now.length === 0) {
    findings.push(finding(pkg, path, 'identity-removed', `recorded ${describeSet(old)} before; no identity now`, old, now));
  } else if (old.length === 0) {
    findings.push(finding(pkg, path, 'identity-added', `now published by ${describeSet(now)} (no identity recorded before)`, old, now));
  } else {
    const f = finding(pkg, path, 'publisher-changed', `recorded ${describeSet(old)} before; now ${describeSet(now)}`, old, now);
    f.subkind = setChangeSubkind(old, now);
    findings.push(f);
  }
  if (now.length > 1 && old.length <= 1) findings.push(mixed(pkg, path, now));
  return findings;
}

/**
 * One identity replaced by one: what changed in it (forge beats repository
 * beats workflow beats environment). Publishers added to or dropped from a
 * set: `identity`.
 */
export function setChangeSubkind(old: readonly Identity[], now: readonly Identity[]): NonNullable<Finding['subkind']> {
  const oldKeys = new Set(old.map(identityKey));
  const nowKeys = new Set(now.map(identityKey));
  const removed = old.filter((i) => !nowKeys.has(identityKey(i)));
  const added = now.filter((i) => !oldKeys.has(identityKey(i)));
  return removed.length === 1 && added.length === 1 ? changeSubkind(removed, added) : 'identity';
}

function unattested(pkg: LockedPackage, path: string): Finding {
  return finding(pkg, path, 'new-package-unattested', 'records no attestation identity', undefined, []);
}

function mixed(pkg: LockedPackage, path: string, now: Identity[]): Finding {
  return finding(pkg, path, 'mixed-publishers', `recorded identities name ${now.length} publishers: ${describeSet(now)}`, undefined, now);
}

function finding(pkg: LockedPackage, path: string, category: Finding['category'], message: string, old: Identity[] | undefined, now: Identity[]): Finding {
  return auditFinding({ category, package: pkg.name, version: pkg.version, path, line: pkg.line, message, ...(old ? { old } : {}), new: now });
}
