/**
 * Distribution filenames: what a wheel or sdist name says about the file.
 * One implementation for the whole tool:
 *
 * - `fileBinding`: is this locked file a distribution of its package? (the
 *   lockfile reader; packaging.pylock checks the same for `sdist`/`wheels`);
 * - `sameDistribution`: do two spellings denote one distribution? (the
 *   statement's subject against the lockfile, and a lockfile's name against
 *   an index listing);
 * - `wheelVersion` / `sdistVersion`: the version part, for `lock`.
 *
 * Wheels follow the binary distribution format: `{name}-{version}(-{build})?-
 * {python}-{abi}-{platform}.whl`, tag sets compressed with `.`. Sdists follow
 * PEP 625 (`{name}-{version}.tar.gz`) and the legacy forms real lockfiles
 * still hold: a name with dashes (`python-dateutil-2.8.2.tar.gz`) and the
 * other archive formats pip and uv install (`.zip`, `.tar.bz2`, …).
 *
 * `sameDistribution` follows pypi-attestations, which parses both names
 * (packaging's parse_wheel_filename / parse_sdist_filename) and compares the
 * parsed tuples: `pep740-sampleproject-1.0.0.tar.gz` and
 * `pep740_sampleproject-1.0.0.tar.gz` match, as do `1.0` and `1.0.0`, and
 * wheel tag sets in any order. It is stricter in two ways, both failing
 * closed: an sdist keeps its archive format (packaging lets `.zip` equal
 * `.tar.gz`), and only PEP 625's two formats are parsed at all.
 */
import { normalizeProjectName } from './names.js';
import { versionKey } from './version-key.js';

const MAX_FILENAME = 512;
// packaging: wheel name parts are `\w`/`.` only (Unicode-aware) and never contain `__`.
const WHEEL_NAME = /^[\p{L}\p{N}_.]+$/u;
// eslint-disable-next-line no-control-regex
const NOT_A_NAME = /[\u0000-\u001f\u007f/\\]/;
/** Sdist formats pip (ARCHIVE_EXTENSIONS) and uv (SourceDistExtension) install; longest first. */
const SDIST_EXTENSIONS = ['.tar.lzma', '.tar.bz2', '.tar.zst', '.tar.gz', '.tar.xz', '.tar.lz', '.zip', '.tbz', '.tgz', '.tlz', '.txz', '.tar'];

export interface WheelName {
  /** PEP 503-normalized. */
  project: string;
  /** As written in the filename. */
  version: string;
}

interface ParsedWheel extends WheelName {
  build: [string, string] | null;
  tags: string[];
}

function wheelTags(interpreters: string, abis: string, platforms: string): string[] | undefined {
  const tags = new Set<string>();
  for (const i of interpreters.split('.'))
    for (const a of abis.split('.'))
      for (const p of platforms.split('.')) {
        if (i === '' || a === '' || p === '') return undefined;
        tags.add(`${i}-${a}-${p}`.toLowerCase());
      }
  return [...tags].sort();
}

function wheelBuild(build: string | undefined): [string, string] | null | undefined {
  if (build === undefined) return null;
  const m = /^([0-9]+)(.*)$/.exec(build);
  return m?.[1] === undefined ? undefined : [BigInt(m[1]).toString(), m[2] ?? ''];
}

/** A wheel filename's parts, when it is a valid one; its tag sets as written (checked, not yet expanded). */
interface WheelParts {
  name: string;
  version: string;
  build: string | undefined;
  tagSets: [string, string, string];
}

function wheelParts(filename: string): WheelParts | undefined {
  if (filename.length > MAX_FILENAME || NOT_A_NAME.test(filename) || !filename.endsWith('.whl')) return undefined;
  const parts = filename.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts as [string, string];
  const tagSets = parts.slice(-3) as [string, string, string];
  if (!WHEEL_NAME.test(name) || name.includes('__') || versionKey(version) === undefined) return undefined;
  const build = parts.length === 6 ? parts[2] : undefined;
  if (build !== undefined && !/^[0-9]/.test(build)) return undefined;
  // A compressed tag set is `.`-separated, with no empty part.
  if (tagSets.some((set) => set === '' || set.startsWith('.') || set.endsWith('.') || set.includes('..'))) return undefined;
  return { name, version, build, tagSets };
}

function parseWheel(filename: string): ParsedWheel | undefined {
  const w = wheelParts(filename);
  if (w === undefined) return undefined;
  const build = wheelBuild(w.build);
  const tags = wheelTags(...w.tagSets);
  if (build === undefined || tags === undefined) return undefined;
  return { project: normalizeProjectName(w.name), version: w.version, build, tags };
}

/** A valid wheel filename's project and version; undefined for anything else. */
export function wheelVersion(filename: string): WheelName | undefined {
  const w = wheelParts(filename);
  return w && { project: normalizeProjectName(w.name), version: w.version };
}

function sdistStem(filename: string, extensions: readonly string[]): { stem: string; format: string } | undefined {
  if (filename.length > MAX_FILENAME || NOT_A_NAME.test(filename)) return undefined;
  const ext = extensions.find((e) => filename.endsWith(e));
  return ext === undefined ? undefined : { stem: filename.slice(0, -ext.length), format: ext.slice(1) };
}

/**
 * The version part of an sdist filename of `project` (normalized), as
 * written; undefined when the name does not start with that project. A
 * legacy name may hold dashes on both sides (`a-b-1.0-1.tar.gz`), so the
 * split is where the prefix normalizes to the project, as pip and uv do.
 */
export function sdistVersion(filename: string, project: string): string | undefined {
  const parts = sdistStem(filename, SDIST_EXTENSIONS);
  return parts === undefined ? undefined : versionAfterProject(parts.stem, project);
}

/** `{name}-{version}` with a name that normalizes to `project` (dashes allowed): the version part. */
export function versionAfterProject(stem: string, project: string): string | undefined {
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeProjectName(stem.slice(0, i)) === project) return stem.slice(i + 1);
  }
  return undefined;
}

/**
 * Why `filename` is not a `kind` distribution of `project` at `version`
 * (PEP 440 equality), or undefined when it is. Without a version (PEP 751
 * lets a lock leave it out) only the project is bound, as packaging.pylock does.
 */
export function fileBinding(filename: string, kind: 'sdist' | 'wheel', project: string, version: string | undefined): string | undefined {
  const found = kind === 'wheel' ? wheelVersion(filename) : sdistBinding(filename, project);
  if (found === undefined) {
    return kind === 'wheel'
      ? 'is not a wheel filename ({name}-{version}(-{build})?-{python}-{abi}-{platform}.whl)'
      : 'is not a source distribution filename ({name}-{version}.tar.gz)';
  }
  if (found.project !== project) return `names the project \`${found.project}\`, not \`${project}\``;
  const key = versionKey(found.version);
  if (key === undefined) return `has no PEP 440 version after \`${project}-\``;
  if (version !== undefined && key !== versionKey(version)) return `is version ${found.version}, not ${version}`;
  return undefined;
}

/** The sdist's project and version, split at the package's own project when its name starts with it. */
function sdistBinding(filename: string, project: string): WheelName | undefined {
  const version = sdistVersion(filename, project);
  if (version !== undefined && versionKey(version) !== undefined) return { project, version };
  // Not this project (`foo-bar-1.0` is not `foo` at `bar-1.0`): say which one it names (PEP 625 splits at the last dash).
  const parts = sdistStem(filename, SDIST_EXTENSIONS);
  const dash = parts?.stem.lastIndexOf('-') ?? -1;
  if (parts === undefined || dash <= 0) return undefined;
  return { project: normalizeProjectName(parts.stem.slice(0, dash)), version: parts.stem.slice(dash + 1) };
}

function wheelKey(filename: string): string | undefined {
  const w = parseWheel(filename);
  return w && JSON.stringify(['wheel', w.project, versionKey(w.version), w.build, w.tags]);
}

function sdistKey(filename: string): string | undefined {
  const parts = sdistStem(filename, ['.tar.gz', '.zip']);
  if (parts === undefined) return undefined;
  // A PEP 440 version has no `-`, so the last dash separates name and version.
  const dash = parts.stem.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const name = normalizeProjectName(parts.stem.slice(0, dash));
  const ver = versionKey(parts.stem.slice(dash + 1));
  if (ver === undefined || name === '' || name === '-') return undefined;
  return JSON.stringify(['sdist', parts.format, name, ver]);
}

/** A key equal for exactly the filenames that denote the same distribution; undefined if unparseable. */
export function distributionKey(filename: string): string | undefined {
  return filename.endsWith('.whl') ? wheelKey(filename) : sdistKey(filename);
}

export function sameDistribution(a: string, b: string): boolean {
  const key = distributionKey(a);
  return key !== undefined && key === distributionKey(b);
}
