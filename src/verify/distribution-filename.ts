/**
 * Does a statement's subject name denote the same distribution as the
 * lockfile's filename?
 *
 * pypi-attestations parses both names (packaging's parse_wheel_filename /
 * parse_sdist_filename) and compares the parsed tuples; older releases
 * compared an "ultranormalized" filename, which is equivalent. So
 * `pep740-sampleproject-1.0.0.tar.gz` and `pep740_sampleproject-1.0.0.tar.gz`
 * match, as do `1.0` and `1.0.0`, and wheel tag sets in any order.
 *
 * We are stricter in two ways, both failing closed: an sdist must keep its
 * archive format (packaging lets `.zip` equal `.tar.gz`), and a name with
 * control characters or an empty project name never matches.
 */
import { normalizeProjectName } from '../core/names.js';
import { versionKey } from './version-key.js';

const MAX_FILENAME = 512;
// packaging: wheel name parts are `\w`/`.` only (Unicode-aware) and never contain `__`.
const WHEEL_NAME = /^[\p{L}\p{N}_.]+$/u;

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

function wheelKey(stem: string): string | undefined {
  const parts = stem.split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts as [string, string];
  const [i, a, p] = parts.slice(-3) as [string, string, string];
  if (!WHEEL_NAME.test(name) || name.includes('__')) return undefined;
  const ver = versionKey(version);
  const build = wheelBuild(parts.length === 6 ? parts[2] : undefined);
  const tags = wheelTags(i, a, p);
  if (ver === undefined || build === undefined || tags === undefined) return undefined;
  return JSON.stringify(['wheel', normalizeProjectName(name), ver, build, tags]);
}

function sdistKey(stem: string, format: string): string | undefined {
  // A PEP 440 version has no `-`, so the last dash separates name and version.
  const dash = stem.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const name = normalizeProjectName(stem.slice(0, dash));
  const ver = versionKey(stem.slice(dash + 1));
  if (ver === undefined || name === '' || name === '-') return undefined;
  return JSON.stringify(['sdist', format, name, ver]);
}

/** A key equal for exactly the filenames that denote the same distribution; undefined if unparseable. */
export function distributionKey(filename: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (filename.length > MAX_FILENAME || /[\u0000-\u001f\u007f/\\]/.test(filename)) return undefined;
  if (filename.endsWith('.whl')) return wheelKey(filename.slice(0, -'.whl'.length));
  if (filename.endsWith('.tar.gz')) return sdistKey(filename.slice(0, -'.tar.gz'.length), 'tar.gz');
  if (filename.endsWith('.zip')) return sdistKey(filename.slice(0, -'.zip'.length), 'zip');
  return undefined;
}

export function sameDistribution(subjectName: string, filename: string): boolean {
  const key = distributionKey(subjectName);
  return key !== undefined && key === distributionKey(filename);
}
