import { parse, TomlError } from 'smol-toml';
import { PylockAttestError } from '../errors.js';
import { fileBinding } from './distribution-filename.js';
import { fileNames } from './filename.js';
import { canonicalIdentity } from './identity.js';
import { servedByIndex } from './index-origin.js';
import { checkPackageCount, scanLock, type LockDocument } from './lock-layout.js';
import { checkLockVersion } from './lock-version.js';
import { normalizeProjectName } from './names.js';
import { fingerprint } from './toml-equality.js';
import type { Identity } from './types.js';
import { versionKey } from './version-key.js';

/** One distribution file the lockfile pins. */
export interface LockedFile {
  kind: 'sdist' | 'wheel' | 'archive';
  /** PEP 751's filename (`name`, else the last segment of `path` or `url`): bound to its package. */
  filename: string;
  /**
   * The same distribution as its `url` (or `path`) spells it, which is how the index
   * lists it; undefined when only `name` says (core/filename.ts).
   */
  urlName?: string;
  /** Lowercase hex. */
  sha256: string;
}

/** A direct-URL archive that is a distribution of its package: an index file if the index serves its URL. */
export interface LockedArchive extends LockedFile {
  url: string | undefined;
}

export type SkipReason = 'vcs' | 'directory' | 'archive' | 'no-files' | 'no-version';

/** Why a package has nothing to look up, as a report shows it. */
export const SKIP_REASONS: Readonly<Record<SkipReason, string>> = {
  vcs: 'vcs',
  directory: 'directory',
  archive: 'archive: a direct URL, not a distribution of this package on its index',
  'no-files': 'no files',
  'no-version': 'no version: the lockfile gives none to look its files up by',
};

export interface LockedPackage {
  /** Position in the `packages` array. */
  position: number;
  name: string;
  /** PEP 503-normalized name, used for index lookups. */
  project: string;
  version: string | undefined;
  /** The package's `marker` key, as written. */
  marker: string | undefined;
  /** The package's `index` key: the index URL it comes from. */
  indexUrl: string | undefined;
  files: LockedFile[];
  skip: SkipReason | undefined;
  /** A direct archive of this very package (skip `archive`): looked up only where the index serves it. */
  archive?: LockedArchive;
  /** Identities already recorded, canonicalized; undefined when the key is absent. */
  identities: Identity[] | undefined;
  /** 1-based line of the package's `[[packages]]` header (or 0 when unknown). */
  line: number;
}

export interface LockModel {
  lockVersion: string;
  packages: LockedPackage[];
  warnings: string[];
  /**
   * The text and where each package sits in it, from the one scan: what the
   * editor splices into. smol-toml's tree is not kept: the model holds what
   * a run needs, and the editor reads edited packages again from their text.
   */
  document: LockDocument;
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Parse and validate lockfile text (no BOM): smol-toml for meaning, then one
 * scan for TOML 1.0, each package's line, and the layout the editor needs.
 * `editable: false` (a baseline read only to compare) skips the packages'
 * fingerprints, which only the editor's per-package check reads.
 */
export function parseLock(text: string, file: string, options: { editable?: boolean } = {}): LockModel {
  const data = parseToml(text, file);
  const { layout, problem } = scanLock(text, file);
  if (problem !== undefined) {
    const hint = "pylock.toml must be TOML 1.0, the version installers read (Python's tomllib); fix this spot; nothing was changed";
    throw new PylockAttestError('LOCK_PARSE', problem.message, { file, line: problem.line, column: problem.column, hint });
  }
  const version = checkLockVersion(data['lock-version']);
  if (!version.ok) {
    throw new PylockAttestError('LOCK_VERSION', version.reason, {
      file,
      line: 1,
      hint: 'regenerate the lockfile with a PEP 751 tool that writes lock-version 1.x',
    });
  }
  const warnings = version.warning !== undefined ? [version.warning] : [];
  const rawPackages = data['packages'] ?? [];
  if (!Array.isArray(rawPackages)) {
    throw new PylockAttestError('LOCK_INVALID', '`packages` is not an array of tables', {
      file,
      hint: 'see PEP 751: packages are written as [[packages]] tables',
    });
  }
  checkPackageCount(layout, rawPackages.length, file);
  const packages = rawPackages.map((raw, position) => readPackage(raw, { file, position, line: layout.packages[position]?.header.line ?? 0 }));
  const document: LockDocument = { text, layout };
  if (options.editable !== false) document.fingerprints = rawPackages.map(fingerprint);
  return { lockVersion: String(data['lock-version']), packages, warnings, document };
}

/** smol-toml's parse, its errors as LOCK_PARSE with file:line:column (the reader's and the editor's whole-document check). */
export function parseToml(text: string, file: string | undefined): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    throw new PylockAttestError(
      'LOCK_PARSE',
      e.message.split('\n')[0] ?? 'invalid TOML',
      { file, line: e.line, column: e.column, hint: 'fix the TOML syntax; nothing was changed' },
      { cause: e },
    );
  }
}

interface Where {
  file: string;
  position: number;
  line: number;
}

function readPackage(raw: unknown, where: Where): LockedPackage {
  const table = asTable(raw);
  const name = table?.['name'];
  if (table === undefined || typeof name !== 'string' || name.length === 0) {
    throw invalid(where, `packages[${where.position}] has no \`name\``, undefined);
  }
  const pkg: LockedPackage = {
    position: where.position,
    name,
    project: normalizeProjectName(name),
    version: str(table['version']),
    marker: str(table['marker']),
    indexUrl: str(table['index']),
    files: [],
    skip: undefined,
    identities: readIdentities(table['attestation-identities'], where, name),
    line: where.line,
  };
  const { version } = pkg;
  const direct = DIRECT_SOURCES.filter((k) => table[k] !== undefined);
  const files = readFiles(table, where, pkg);
  // PEP 751: a package comes from one source. Identities cover every file it records, so no file may go unchecked.
  if (direct.length > 0 && files.length > 0) throw invalid(where, `\`${direct[0]}\` and \`sdist\`/\`wheels\` are mutually exclusive (PEP 751)`, name);
  if (table['vcs'] !== undefined) return { ...pkg, skip: 'vcs' };
  if (table['directory'] !== undefined) return { ...pkg, skip: 'directory' };
  if (table['archive'] !== undefined) return withArchive(pkg, readArchive(table['archive'], where, pkg));
  if (files.length === 0) return { ...pkg, skip: 'no-files' };
  if (version === undefined) return { ...pkg, skip: 'no-version' };
  return { ...pkg, files };
}

const DIRECT_SOURCES = ['vcs', 'directory', 'archive'] as const;

function readFiles(table: Record<string, unknown>, where: Where, pkg: LockedPackage): LockedFile[] {
  const files: LockedFile[] = [];
  const sdist = table['sdist'];
  if (sdist !== undefined) files.push(readFile(sdist, 'sdist', where, pkg, 'sdist'));
  const wheels = table['wheels'];
  if (wheels !== undefined) {
    if (!Array.isArray(wheels)) throw invalid(where, '`wheels` is not an array', pkg.name);
    for (const [i, w] of wheels.entries()) files.push(readFile(w, 'wheel', where, pkg, `wheels[${i}]`));
  }
  return files;
}

/** An archive is kept for lookup only when it is a distribution of this very package; else it is just a direct URL. */
function readArchive(raw: unknown, where: Where, pkg: LockedPackage): LockedArchive | undefined {
  const t = asTable(raw);
  // Any archive may be locked (a forge's `…/archive/` URL too): only a named distribution can be on an index.
  if (t === undefined || pkg.version === undefined || fileNames(str(t['url']), str(t['path']), undefined) === undefined) return undefined;
  const file = readFile(raw, 'archive', where, pkg, 'archive');
  const kind = file.filename.endsWith('.whl') ? 'wheel' : 'sdist';
  if (fileBinding(file.filename, kind, pkg.project, pkg.version) !== undefined) return undefined;
  return { ...file, url: str(asTable(raw)?.['url']) };
}

function withArchive(pkg: LockedPackage, archive: LockedArchive | undefined): LockedPackage {
  return archive === undefined ? { ...pkg, skip: 'archive' } : { ...pkg, skip: 'archive', archive };
}

/**
 * The package with its archive as its one file when the index serves the
 * archive's URL (where provenance can exist); unchanged otherwise.
 */
export function withIndexArchive(pkg: LockedPackage, indexUrl: string): LockedPackage {
  const { archive } = pkg;
  if (pkg.skip !== 'archive' || archive?.url === undefined || !servedByIndex(archive.url, indexUrl)) return pkg;
  const { url: _, ...file } = archive;
  return { ...pkg, files: [file], skip: undefined };
}

function readFile(raw: unknown, kind: LockedFile['kind'], where: Where, pkg: LockedPackage, label: string): LockedFile {
  const t = asTable(raw);
  if (t === undefined) throw invalid(where, `\`${label}\` is not a table`, pkg.name);
  const names = fileNames(str(t['url']), str(t['path']), str(t['name']));
  if (names === undefined) throw invalid(where, `\`${label}\` has no usable url, path or name to take a filename from`, pkg.name);
  const { filename } = names;
  const sha256 = asTable(t['hashes'])?.['sha256'];
  if (typeof sha256 !== 'string') {
    throw invalid(
      where,
      `\`${label}\` (${filename}) has no sha256 in \`hashes\``,
      pkg.name,
      'lock with hashes (PEP 751 requires them); without a sha256 no attestation can be checked',
    );
  }
  if (!SHA256.test(sha256)) {
    throw invalid(
      where,
      `\`${label}\` (${filename}) has sha256 = ${JSON.stringify(sha256.slice(0, 80))}${sha256.length > 80 ? '…' : ''}, which is not a 64-digit hex sha256`,
      pkg.name,
      'regenerate the lockfile; a sha256 is 64 hexadecimal digits',
    );
  }
  if (kind !== 'archive') checkBinding(filename, kind, where, pkg, label);
  const file: LockedFile = { kind, filename, sha256: sha256.toLowerCase() };
  if (names.urlName !== undefined) file.urlName = names.urlName;
  return file;
}

/**
 * Every sdist and wheel must be a distribution of its package (normalized name,
 * PEP 440-equal version): identities recorded under a package cover its files,
 * so a file of another project or release must never lend them its publisher.
 */
function checkBinding(filename: string, kind: 'sdist' | 'wheel', where: Where, pkg: LockedPackage, label: string): void {
  const hint = 'a locked file must be a distribution of its own package (PEP 751); fix the lockfile or regenerate it; nothing was changed';
  if (pkg.version !== undefined && versionKey(pkg.version) === undefined) {
    throw invalid(
      where,
      `version ${JSON.stringify(pkg.version)} is not a PEP 440 version, so \`${label}\` (${filename}) cannot be matched to it`,
      pkg.name,
      hint,
    );
  }
  const why = fileBinding(filename, kind, pkg.project, pkg.version);
  if (why !== undefined)
    throw invalid(
      where,
      `\`${label}\` (${filename}) is not a file of ${pkg.name}${pkg.version === undefined ? '' : ` ${pkg.version}`}: it ${why}`,
      pkg.name,
      hint,
    );
}

function readIdentities(raw: unknown, where: Where, name: string): Identity[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw invalid(where, '`attestation-identities` is not an array of tables', name);
  return raw.map((entry, i) => {
    const identity = asTable(entry) && canonicalIdentity(entry as Record<string, unknown>);
    if (!identity) throw invalid(where, `attestation-identities[${i}] has no \`kind\``, name, 'every identity table needs a kind (PEP 751)');
    return identity;
  });
}

function invalid(
  where: Where,
  message: string,
  pkg: string | undefined,
  hint = 'fix the lockfile (PEP 751) or regenerate it; nothing was changed',
): PylockAttestError {
  return new PylockAttestError('LOCK_INVALID', message, { file: where.file, line: where.line || undefined, package: pkg, hint });
}

function asTable(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
