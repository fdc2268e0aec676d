/**
 * A PEP 751 lockfile from resolved pins and the index files they record.
 * Pure and deterministic: the same packages give the same bytes whatever
 * order they come in, keys in the spec's order, packages by name, wheels by
 * filename. TOML 1.0 only (Python's tomllib reads it). Every string goes
 * through tomlString; the only unquoted values are integers and UTC
 * datetimes checked here, so nothing from an index reaches the file raw.
 *
 * Identities are not written here: `lock` adds them through the same
 * editor as `enrich`, so both commands produce the same blocks.
 */
import { compareStrings } from './compare-strings.js';
import { rawUrlName } from './filename.js';
import { tomlKey, tomlString } from './toml-emit.js';
import { isTable, sameValue } from './toml-equality.js';
import { compareVersions } from './version-key.js';

export interface LockedDistribution {
  /** As uploaded. */
  filename: string;
  url: string;
  /** Lower-case hex. */
  sha256: string;
  size?: number;
  /** UTC, as utcUploadTime writes it. */
  uploadTime?: string;
}

export interface LockPackage {
  /** PEP 503-normalized, as the spec asks. */
  name: string;
  version: string;
  marker?: string;
  requiresPython?: string;
  /** The index URL, without credentials. */
  index: string;
  sdist?: LockedDistribution;
  wheels: LockedDistribution[];
}

export interface LockDocument {
  requiresPython?: string;
  packages: LockPackage[];
}

export const CREATED_BY = 'pylock-attest';
const EOL = '\n';
const UTC_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function renderLock(doc: LockDocument): string {
  const head = ['lock-version = "1.0"'];
  if (doc.requiresPython !== undefined) head.push(`requires-python = ${tomlString(doc.requiresPython)}`);
  head.push(`created-by = ${tomlString(CREATED_BY)}`);
  const packages = [...doc.packages].sort(comparePackages).map(renderPackage);
  return [head.join(EOL), ...packages].join(EOL + EOL) + EOL;
}

/** Spec key order: name, version, marker, requires-python, index, sdist, wheels. */
function renderPackage(pkg: LockPackage): string {
  const lines = ['[[packages]]', `name = ${tomlString(pkg.name)}`, `version = ${tomlString(pkg.version)}`];
  if (pkg.marker !== undefined) lines.push(`marker = ${tomlString(pkg.marker)}`);
  if (pkg.requiresPython !== undefined) lines.push(`requires-python = ${tomlString(pkg.requiresPython)}`);
  lines.push(`index = ${tomlString(pkg.index)}`);
  if (pkg.sdist !== undefined) lines.push(`sdist = ${renderFile(pkg.sdist)}`);
  if (pkg.wheels.length > 0) {
    // One wheel per line: a new wheel is a one-line diff.
    const wheels = [...pkg.wheels].sort((a, b) => compareStrings(a.filename, b.filename));
    lines.push('wheels = [', ...wheels.map((w) => `    ${renderFile(w)},`), ']');
  }
  return lines.join(EOL);
}

/**
 * Spec key order: name, upload-time, url, size, hashes. `name` is written
 * whenever the URL's raw last segment, which is what packaging.pylock reads
 * without it, is not exactly the filename: a percent-encoded `+`
 * (`torch-2.3.0%2Bcpu-…`, as download.pytorch.org serves it), a redirector
 * path, or `;params`.
 */
function renderFile(file: LockedDistribution): string {
  const pairs: string[] = [];
  if (rawUrlName(file.url) !== file.filename) pairs.push(`name = ${tomlString(file.filename)}`);
  if (file.uploadTime !== undefined) {
    if (!UTC_DATETIME.test(file.uploadTime)) throw new RangeError(`renderLock: not a UTC datetime: ${file.uploadTime}`);
    pairs.push(`upload-time = ${file.uploadTime}`);
  }
  pairs.push(`url = ${tomlString(file.url)}`);
  if (file.size !== undefined) {
    if (!Number.isSafeInteger(file.size) || file.size < 0) throw new RangeError(`renderLock: not a size: ${file.size}`);
    pairs.push(`size = ${file.size}`);
  }
  if (!SHA256.test(file.sha256)) throw new RangeError(`renderLock: not a lower-case sha256: ${file.sha256}`);
  pairs.push(`hashes = { ${tomlKey('sha256')} = ${tomlString(file.sha256)} }`);
  return `{ ${pairs.join(', ')} }`;
}

/** By name, then unconditional before conditional, then marker text, then version. */
function comparePackages(a: LockPackage, b: LockPackage): number {
  return compareStrings(a.name, b.name) || compareStrings(a.marker ?? '', b.marker ?? '') || compareVersionText(a.version, b.version);
}

/** PEP 440 order, exact (BigInt segments); text order for equal or invalid versions, so the order is total. */
function compareVersionText(a: string, b: string): number {
  return compareVersions(a, b) || compareStrings(a, b);
}

/** Code-point order: the same on every machine and locale. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An index's upload-time (RFC 3339, any offset) as a TOML offset datetime in
 * UTC, as PEP 751 requires; fractions kept to microseconds (what tomllib
 * reads). Undefined for anything else: the key is optional, a wrong value is not.
 */
export function utcUploadTime(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls Feb 30 into March: a date that does not survive the round trip is invalid.
  if (
    local.getUTCFullYear() !== y ||
    local.getUTCMonth() !== mo - 1 ||
    local.getUTCDate() !== d ||
    local.getUTCHours() !== h ||
    local.getUTCMinutes() !== mi ||
    local.getUTCSeconds() !== s
  )
    return undefined;
  const offset = m[8]!;
  const minutes = /^[Zz]$/.test(offset) ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const utc = new Date(local.getTime() - minutes * 60_000);
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) return undefined;
  const fraction = m[7] === undefined ? '' : `.${m[7].slice(0, 6)}`;
  return `${utc.toISOString().slice(0, 19)}${fraction}Z`;
}

/**
 * Does an existing lockfile hold exactly what we would write now, its
 * identities aside? Then `lock` keeps its bytes (comments, formatting) and
 * only does what `enrich` would. Compares smol-toml data, not text.
 */
export function sameLockContent(existing: Record<string, unknown>, fresh: Record<string, unknown>): boolean {
  return sameValue(withoutIdentities(existing), fresh);
}

function withoutIdentities(data: Record<string, unknown>): Record<string, unknown> {
  const packages = data['packages'];
  if (!Array.isArray(packages)) return data;
  const stripped = packages.map((p: unknown) => {
    if (!isTable(p)) return p;
    const { ['attestation-identities']: _, ...rest } = p;
    return rest;
  });
  return { ...data, packages: stripped };
}
