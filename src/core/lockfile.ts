import { parse, TomlError } from 'smol-toml';
import { PylockAttestError } from '../errors.js';
import { filenameFromLocation, projectOfFilename } from './filename.js';
import { canonicalIdentity } from './identity.js';
import { checkLockVersion } from './lock-version.js';
import { toml10Problem } from './toml-strict.js';
import { normalizeProjectName } from './names.js';
import type { Identity } from './types.js';

/** One distribution file the lockfile pins. */
export interface LockedFile {
  kind: 'sdist' | 'wheel' | 'archive';
  /** As uploaded: PyPI matches it case-sensitively. */
  filename: string;
  /** Lowercase hex. */
  sha256: string;
}

export type SkipReason = 'vcs' | 'directory' | 'archive' | 'no-files' | 'no-version';

export interface LockedPackage {
  /** Position in the `packages` array. */
  index: number;
  name: string;
  /** PEP 503-normalized name, used for index lookups. */
  project: string;
  version: string | undefined;
  /** The package's own `index` key. */
  index_url: string | undefined;
  files: LockedFile[];
  skip: SkipReason | undefined;
  /** Identities already recorded, canonicalized; undefined when the key is absent. */
  identities: Identity[] | undefined;
  /** 1-based line of the package's `[[packages]]` header (or 0 when unknown). */
  line: number;
}

export interface LockModel {
  lockVersion: string;
  packages: LockedPackage[];
  warnings: string[];
  /** smol-toml's parse of the text, kept for the editor's equality check. */
  data: Record<string, unknown>;
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** Parse and validate lockfile text (no BOM). `lines[i]` is the header line of packages[i]. */
export function parseLock(text: string, file: string, lines: readonly number[] = []): LockModel {
  const data = parseToml(text, file);
  const version = checkLockVersion(data['lock-version']);
  if (!version.ok) {
    throw new PylockAttestError('LOCK_VERSION', version.reason, { file, line: 1, hint: 'regenerate the lockfile with a PEP 751 tool that writes lock-version 1.x' });
  }
  const warnings = version.warning !== undefined ? [version.warning] : [];
  const rawPackages = data['packages'] ?? [];
  if (!Array.isArray(rawPackages)) {
    throw new PylockAttestError('LOCK_INVALID', '`packages` is not an array of tables', { file, hint: 'see PEP 751: packages are written as [[packages]] tables' });
  }
  const packages = rawPackages.map((raw, index) => readPackage(raw, { file, index, line: lines[index] ?? 0 }));
  return { lockVersion: String(data['lock-version']), packages, warnings, data };
}

function parseToml(text: string, file: string): Record<string, unknown> {
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0] ?? 'invalid TOML';
      throw new PylockAttestError('LOCK_PARSE', first, { file, line: e.line, column: e.column, hint: 'fix the TOML syntax; nothing was changed' }, { cause: e });
    }
    throw e;
  }
  const beyond = toml10Problem(text);
  if (beyond !== undefined) {
    const hint = "pylock.toml must be TOML 1.0, the version installers read (Python's tomllib); fix this spot; nothing was changed";
    throw new PylockAttestError('LOCK_PARSE', beyond.message, { file, line: beyond.line, column: beyond.column, hint });
  }
  return data;
}

interface Where {
  file: string;
  index: number;
  line: number;
}

function readPackage(raw: unknown, where: Where): LockedPackage {
  const table = asTable(raw);
  const name = table?.['name'];
  if (table === undefined || typeof name !== 'string' || name.length === 0) {
    throw invalid(where, `packages[${where.index}] has no \`name\``, undefined);
  }
  const version = typeof table['version'] === 'string' ? table['version'] : undefined;
  const index_url = typeof table['index'] === 'string' ? table['index'] : undefined;
  const pkg: LockedPackage = {
    index: where.index,
    name,
    project: normalizeProjectName(name),
    version,
    index_url,
    files: [],
    skip: undefined,
    identities: readIdentities(table['attestation-identities'], where, name),
    line: where.line,
  };
  if (table['vcs'] !== undefined) return { ...pkg, skip: 'vcs' };
  if (table['directory'] !== undefined) return { ...pkg, skip: 'directory' };
  pkg.files = readFiles(table, where, name);
  if (pkg.files.length === 0) return { ...pkg, skip: table['archive'] !== undefined ? 'archive' : 'no-files' };
  if (version === undefined) return { ...pkg, files: [], skip: 'no-version' };
  return pkg;
}

function readFiles(table: Record<string, unknown>, where: Where, name: string): LockedFile[] {
  const files: LockedFile[] = [];
  const sdist = table['sdist'];
  if (sdist !== undefined) files.push(readFile(sdist, 'sdist', where, name, 'sdist'));
  const wheels = table['wheels'];
  if (wheels !== undefined) {
    if (!Array.isArray(wheels)) throw invalid(where, '`wheels` is not an array', name);
    wheels.forEach((w, i) => files.push(readFile(w, 'wheel', where, name, `wheels[${i}]`)));
  }
  const archive = indexArchive(table, where, name);
  if (archive) files.push(archive);
  return files;
}

/** An `archive` counts only when it is an index file: a distribution of this very package. */
function indexArchive(table: Record<string, unknown>, where: Where, name: string): LockedFile | undefined {
  if (table['archive'] === undefined || typeof table['version'] !== 'string') return undefined;
  const file = readFile(table['archive'], 'archive', where, name, 'archive');
  return projectOfFilename(file.filename)?.project === normalizeProjectName(name) ? file : undefined;
}

function readFile(raw: unknown, kind: LockedFile['kind'], where: Where, name: string, label: string): LockedFile {
  const t = asTable(raw);
  if (t === undefined) throw invalid(where, `\`${label}\` is not a table`, name);
  const filename = filenameFromLocation(str(t['url']), str(t['path']), str(t['name']));
  if (filename === undefined) throw invalid(where, `\`${label}\` has no usable url, path or name to take a filename from`, name);
  const sha256 = asTable(t['hashes'])?.['sha256'];
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    throw invalid(where, `\`${label}\` (${filename}) has no sha256 in \`hashes\``, name, 'lock with hashes (PEP 751 requires them); without a sha256 no attestation can be checked');
  }
  return { kind, filename, sha256: sha256.toLowerCase() };
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

function invalid(where: Where, message: string, pkg: string | undefined, hint = 'fix the lockfile (PEP 751) or regenerate it; nothing was changed'): PylockAttestError {
  return new PylockAttestError('LOCK_INVALID', message, { file: where.file, line: where.line || undefined, package: pkg, hint });
}

function asTable(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
