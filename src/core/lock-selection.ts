/**
 * Which index files one pin records: exactly the files its `--hash` values
 * name, or, without hashes, every sdist and wheel of exactly that version.
 * Pure: the app layer fetches the project page, this decides.
 */
import { validRange } from '@renovatebot/pep440';
import { compareStrings } from './compare-strings.js';
import { sdistVersion, versionAfterProject, wheelVersion } from './distribution-filename.js';
import { normalVersion, sameVersion } from './version-key.js';
import { PylockAttestError } from '../errors.js';
import type { LockedDistribution, LockPackage } from './lock-writer.js';
import { utcUploadTime } from './lock-writer.js';
import { isPlausibleFilename } from './filename.js';
import { normalizeProjectName } from './names.js';
import type { LockWarning, Pin } from './requirements.js';
import { where } from './pin-set.js';

/** One file as a PEP 691 project page lists it (untrusted; checked here before use). */
export interface IndexFile {
  filename: string;
  /** Absolute, without credentials or fragment; undefined when the index gave none we accept. */
  url: string | undefined;
  /** Why `url` is undefined. */
  urlProblem?: string;
  /** Lower-case hex, or undefined when the page gives none. */
  sha256: string | undefined;
  size: unknown;
  uploadTime: unknown;
  requiresPython: unknown;
  /** PEP 592: false, or yanked with the index's reason (may be empty). */
  yanked: false | { reason: string };
  /** Listed twice with different data: trust neither. */
  conflict: boolean;
}

export interface Selection {
  package: LockPackage;
  warnings: LockWarning[];
}

type Kind = 'wheel' | 'sdist' | 'other';
const MAX_REQUIRES_PYTHON = 200;

export function selectFiles(pin: Pin, files: readonly IndexFile[], index: string): Selection {
  const warnings: LockWarning[] = [];
  const ofVersion = files.filter((f) => isOfVersion(f.filename, pin));
  const chosen = pin.hashes.length > 0 ? byHash(pin, ofVersion, files, index) : ofVersion;
  const usable = chosen.filter((f) => kindOf(f.filename) !== 'other');
  if (pin.hashes.length > 0 && usable.length < chosen.length) {
    const others = chosen.filter((f) => !usable.includes(f)).map((f) => f.filename);
    warnings.push({ at: pin.at, message: `not recorded (PEP 751 records sdists and wheels only): ${others.join(', ')}` });
  }
  if (usable.length === 0) throw noFiles(pin, index, ofVersion.length);
  for (const f of usable) checkFile(f, pin);
  const { sdist, dropped } = pickSdist(usable.filter((f) => kindOf(f.filename) === 'sdist'));
  if (dropped.length > 0)
    warnings.push({ at: pin.at, message: `a lock holds one sdist per package: recorded ${sdist!.filename}, not ${dropped.map((f) => f.filename).join(', ')}` });
  const wheels = usable.filter((f) => kindOf(f.filename) === 'wheel');
  const recorded = sdist ? [sdist, ...wheels] : wheels;
  if (pin.hashes.length === 0) {
    warnings.push({
      at: pin.at,
      message: `${pin.name}==${pin.version} has no --hash: recorded every file of that version on the index (${recorded.length}); pin hashes to choose them`,
    });
  }
  for (const f of recorded) if (f.yanked) warnings.push({ at: pin.at, message: yankedText(f.filename, f.yanked.reason) });
  const requiresPython = commonRequiresPython(recorded, pin, warnings);
  const pkg: LockPackage = { name: pin.project, version: normalizeVersion(pin.version), index, wheels: wheels.map(distribution) };
  if (pin.marker !== undefined) pkg.marker = pin.marker;
  if (requiresPython !== undefined) pkg.requiresPython = requiresPython;
  if (sdist) pkg.sdist = distribution(sdist);
  return { package: pkg, warnings };
}

/** Every listed hash must be a file of this version: a hash the index lacks makes the lock unverifiable. */
function byHash(pin: Pin, ofVersion: readonly IndexFile[], all: readonly IndexFile[], index: string): IndexFile[] {
  const chosen: IndexFile[] = [];
  for (const h of pin.hashes) {
    const file = ofVersion.find((f) => f.sha256 === h.sha256);
    if (file === undefined) {
      const elsewhere = all.find((f) => f.sha256 === h.sha256);
      const message = elsewhere
        ? `--hash=sha256:${h.sha256.slice(0, 12)}… is ${elsewhere.filename}, not a file of ${pin.name} ${pin.version}`
        : `--hash=sha256:${h.sha256.slice(0, 12)}… matches no file of ${pin.name} ${pin.version} on ${index}: the lock would be unverifiable`;
      throw new PylockAttestError('REQUIREMENTS', message, {
        file: h.at.file,
        line: h.at.line,
        column: h.at.column,
        package: pin.name,
        hint: 'regenerate the hashes against this index (pip-compile --generate-hashes)',
      });
    }
    if (!chosen.includes(file)) chosen.push(file);
  }
  return chosen;
}

function checkFile(f: IndexFile, pin: Pin): void {
  const location = { file: pin.at.file, line: pin.at.line, package: pin.name };
  if (f.conflict) throw new PylockAttestError('INDEX_BODY', `the index lists ${f.filename} twice with different data`, location);
  if (f.sha256 === undefined) throw new PylockAttestError('INDEX_BODY', `the index gives no sha256 for ${f.filename}; a lock needs one`, location);
  if (f.url === undefined)
    throw new PylockAttestError('INDEX_URL', `refusing the URL the index gives for ${f.filename}: ${f.urlProblem ?? 'none given'}`, location);
}

function noFiles(pin: Pin, index: string, ofVersion: number): PylockAttestError {
  const what =
    ofVersion > 0 ? `lists ${ofVersion} file(s) of ${pin.name} ${pin.version}, but no sdist or wheel` : `lists no file of ${pin.name} ${pin.version}`;
  return new PylockAttestError('REQUIREMENTS', `${index} ${what}`, {
    file: pin.at.file,
    line: pin.at.line,
    column: pin.at.column,
    package: pin.name,
    hint: `check the version at ${where(pin.at)} and the index`,
  });
}

/** PEP 625 sdists are .tar.gz; an old release may also carry a .zip. One is recorded, deterministically. */
function pickSdist(sdists: IndexFile[]): { sdist: IndexFile | undefined; dropped: IndexFile[] } {
  const sorted = [...sdists].sort(
    (a, b) => Number(!a.filename.endsWith('.tar.gz')) - Number(!b.filename.endsWith('.tar.gz')) || compareStrings(a.filename, b.filename),
  );
  return { sdist: sorted[0], dropped: sorted.slice(1) };
}

function yankedText(filename: string, reason: string): string {
  const why = reason.trim() === '' ? '' : ` (reason given: ${reason.trim().slice(0, 200)})`;
  return `${filename} is yanked${why}; recorded because the pin is exact, as pip would install it`;
}

/** The package's `requires-python`: the value its recorded files agree on, when it is a valid specifier. */
function commonRequiresPython(files: readonly IndexFile[], pin: Pin, warnings: LockWarning[]): string | undefined {
  const values = new Set(files.map((f) => (typeof f.requiresPython === 'string' ? f.requiresPython.trim() : '')));
  if (values.size !== 1) {
    warnings.push({ at: pin.at, message: `the files of ${pin.name} ${pin.version} disagree on requires-python; none recorded` });
    return undefined;
  }
  const value = [...values][0]!;
  return value !== '' && value.length <= MAX_REQUIRES_PYTHON && validRange(value) ? value : undefined;
}

function distribution(f: IndexFile): LockedDistribution {
  const d: LockedDistribution = { filename: f.filename, url: f.url!, sha256: f.sha256! };
  if (typeof f.size === 'number' && Number.isSafeInteger(f.size) && f.size >= 0) d.size = f.size;
  const uploaded = typeof f.uploadTime === 'string' ? utcUploadTime(f.uploadTime) : undefined;
  if (uploaded !== undefined) d.uploadTime = uploaded;
  return d;
}

function isOfVersion(filename: string, pin: Pin): boolean {
  // A name with a path separator or control character is no distribution of ours, whatever it says.
  if (!isPlausibleFilename(filename) || /[\u0000-\u001f\u007f]/.test(filename)) return false;
  const version = versionOf(filename, pin.project);
  // Exact PEP 440 equality (BigInt segments): a float comparison would call two huge releases one.
  return version !== undefined && sameVersion(version, pin.version);
}

function kindOf(filename: string): Kind {
  if (filename.endsWith('.whl')) return 'wheel';
  return filename.endsWith('.tar.gz') || filename.endsWith('.zip') ? 'sdist' : 'other';
}

/**
 * The version part of a distribution filename of `project`, or undefined when it names another
 * project. Wheels and sdists through core/distribution-filename.ts (a wheel that is not a valid
 * wheel filename is no file of any version); eggs and installers, which PEP 751 cannot record,
 * only to say so.
 */
export function versionOf(filename: string, project: string): string | undefined {
  if (filename.endsWith('.whl')) {
    const wheel = wheelVersion(filename);
    return wheel?.project === project ? wheel.version : undefined;
  }
  if (filename.endsWith('.egg')) {
    // {name}-{version}-{python}(-{platform})?.egg
    const parts = filename.slice(0, -'.egg'.length).split('-');
    return parts.length >= 3 && normalizeProjectName(parts[0]!) === project ? parts[1] : undefined;
  }
  const other = /\.(exe|msi|rpm|dmg)$/i.exec(filename);
  return other === null ? sdistVersion(filename, project) : versionAfterProject(filename.slice(0, other.index), project);
}

/** PEP 440 normal form (`1.0-1` → `1.0.post1`, `V1.0` → `1.0`), exact for numbers of any size; the text as written if it is not a version. */
export function normalizeVersion(version: string): string {
  return normalVersion(version) ?? version;
}
