import { auditFinding, describeSet } from './findings.js';
import { normalizeIdentitySet, sameIdentitySet } from './identity.js';
import { setChangeSubkind } from './diff.js';
import { describeProven, type FileOutcome, type Finding, type PackageOutcome } from './outcome.js';

/**
 * Online check: does the lockfile agree with what the index proves now?
 * Pure: takes the package verdicts `evaluateLockfiles` decided and maps them
 * to audit findings. The recorded identities are the claim under test; the
 * index's verified provenance is the evidence.
 */
export function indexFindings(packages: readonly PackageOutcome[], path: string): Finding[] {
  return packages.flatMap((p) => packageFindings(p, path));
}

function packageFindings(p: PackageOutcome, path: string): Finding[] {
  switch (p.status) {
    case 'skipped':
      return [];
    case 'unavailable':
      return fileFindings(p, path, 'unavailable', 'the index could not answer');
    case 'invalid':
      return fileFindings(p, path, 'verification-failed', 'attestation does not verify');
    case 'index-mismatch':
      return fileFindings(p, path, 'index-disagrees', 'the index lists another sha256 for this file, or does not list it');
    default:
      // verified, partial, no-provenance: what the verdict proves against what the lockfile records.
      return [...agreement(p, path), ...shapeFindings(p, path)];
  }
}

/** One finding per file that blocked the verdict, naming the file and why. */
function fileFindings(p: PackageOutcome, path: string, category: 'unavailable' | 'verification-failed' | 'index-disagrees', what: string): Finding[] {
  const bad = p.files.filter((f) => f.status === statusOf(category));
  return bad.map((f) =>
    make(p, path, category, `${f.filename}: ${what}: ${f.detail ?? f.status}`, {
      file: f.filename,
      ...(p.recorded ? { old: normalizeIdentitySet(p.recorded) } : {}),
    }),
  );
}

function statusOf(category: 'unavailable' | 'verification-failed' | 'index-disagrees'): FileOutcome['status'] {
  return category === 'verification-failed' ? 'invalid' : category === 'index-disagrees' ? 'index-mismatch' : 'unavailable';
}

/**
 * Recorded X, proven Y or nothing: index-disagrees. Nothing recorded, and
 * enrich would record something: not-enriched (a partially attested package
 * gets identities only when a policy allowance accepts it; until then its
 * partial-attestation error says why).
 */
function agreement(p: PackageOutcome, path: string): Finding[] {
  const recorded = normalizeIdentitySet(p.recorded ?? []);
  const proven = normalizeIdentitySet(p.identities);
  if (recorded.length === 0) {
    if (proven.length === 0 || p.action !== 'added') return [];
    return [
      make(p, path, 'not-enriched', `the index proves ${describeProven(proven, p)}, but the lockfile records no identity; run \`pylock-attest enrich\``, {
        old: [],
        new: proven,
      }),
    ];
  }
  if (sameIdentitySet(recorded, proven)) return [];
  const message =
    proven.length === 0
      ? `recorded ${describeSet(recorded)}; the index now proves no identity`
      : `recorded ${describeSet(recorded)}; the index now proves ${describeProven(proven, p)}`;
  const f = make(p, path, 'index-disagrees', message, { old: recorded, new: proven });
  if (proven.length > 0) f.subkind = setChangeSubkind(recorded, proven);
  return [f];
}

/** partial-attestation and mixed-publishers, as the verdict found them. */
function shapeFindings(p: PackageOutcome, path: string): Finding[] {
  return p.findings
    .filter((f) => f.category === 'partial-attestation' || f.category === 'mixed-publishers')
    .map((f) =>
      make(
        p,
        path,
        f.category,
        f.message,
        f.category === 'mixed-publishers' ? { new: normalizeIdentitySet(p.identities) } : f.file !== undefined ? { file: f.file } : {},
      ),
    );
}

function make(p: PackageOutcome, path: string, category: Finding['category'], message: string, extra: Pick<Finding, 'old' | 'new' | 'file'>): Finding {
  return auditFinding({ category, package: p.name, version: p.version, path, line: p.line, message, ...extra });
}
