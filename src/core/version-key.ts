/**
 * PEP 440 versions, exactly: equality, order and normal form as
 * `packaging.version.Version` decides them (case-insensitive, alternative
 * spellings normalized, leading zeros ignored, trailing `.0` release segments
 * ignored by equality and order). Every number is compared as an integer of
 * any size (BigInt), never as a float: `@renovatebot/pep440` parses segments
 * with `Number` and calls `1.99999999999999999999` and `…98` equal.
 */

// The PEP 440 grammar (Appendix B), including the spellings it normalizes.
const VERSION = new RegExp(
  [
    '^\\s*v?',
    '(?:(?<epoch>[0-9]+)!)?',
    '(?<release>[0-9]+(?:\\.[0-9]+)*)',
    '(?:[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?',
    '(?:-(?<postN1>[0-9]+)|[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?)?',
    '(?:[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?',
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?',
    '\\s*$',
  ].join(''),
  'i',
);

const PRE_LETTER: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', c: 'rc', pre: 'rc', preview: 'rc', rc: 'rc' };

/** A version's parts, numbers as decimal strings without leading zeros (any size). */
interface Parsed {
  epoch: string;
  /** As written (trailing zeros kept: the normal form keeps them). */
  release: string[];
  pre: [string, string] | null;
  post: string | null;
  dev: string | null;
  /** Numeric parts as numbers, the others lowercased. */
  local: Array<string | bigint> | null;
  /** The equality key (see versionKey). */
  key: string;
}

const num = (digits: string | undefined): string => BigInt(digits ?? '0').toString();

function parse(version: string): Parsed | undefined {
  const g = VERSION.exec(version)?.groups;
  if (g === undefined || g.release === undefined) return undefined;
  const release = g.release.split('.').map(num);
  const pre: [string, string] | null = g.preL === undefined ? null : [PRE_LETTER[g.preL.toLowerCase()]!, num(g.preN)];
  const post = g.postN1 !== undefined ? num(g.postN1) : g.postL !== undefined ? num(g.postN2) : null;
  const dev = g.devL === undefined ? null : num(g.devN);
  const local = g.local === undefined ? null : g.local.split(/[-_.]/).map((s) => (/^[0-9]+$/.test(s) ? BigInt(s) : s.toLowerCase()));
  const localKey = local === null ? null : local.map((s) => (typeof s === 'bigint' ? `i:${s}` : `s:${s}`));
  const key = JSON.stringify([num(g.epoch), trimZeros(release), pre, post, dev, localKey]);
  return { epoch: num(g.epoch), release, pre, post, dev, local, key };
}

function trimZeros(release: readonly string[]): string[] {
  let end = release.length;
  while (end > 1 && release[end - 1] === '0') end--;
  return release.slice(0, end);
}

/**
 * Lockfiles repeat one version in every file of a package (20 wheels, one
 * version), and reading one parses each of them: a small memo keeps that to
 * one parse per distinct string. Cleared when full, so it stays small.
 */
const memo = new Map<string, Parsed | null>();
const MEMO_SIZE = 4096;

function parsed(version: string): Parsed | undefined {
  const hit = memo.get(version);
  if (hit !== undefined) return hit ?? undefined;
  const p = parse(version);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(version, p ?? null);
  return p;
}

/** A string equal for exactly the versions PEP 440 deems equal; undefined for an invalid version. */
export function versionKey(version: string): string | undefined {
  return parsed(version)?.key;
}

/** PEP 440 equality; false when either is not a PEP 440 version. */
export function sameVersion(a: string, b: string): boolean {
  const key = versionKey(a);
  return key !== undefined && key === versionKey(b);
}

/** The normal form (`V1.0-1` → `1.0.post1`, `1.0+ABC-01` → `1.0+abc.1`), as `str(packaging.version.Version(v))`; undefined when invalid. */
export function normalVersion(version: string): string | undefined {
  const p = parsed(version);
  if (p === undefined) return undefined;
  let out = p.epoch === '0' ? '' : `${p.epoch}!`;
  out += p.release.join('.');
  if (p.pre !== null) out += p.pre.join('');
  if (p.post !== null) out += `.post${p.post}`;
  if (p.dev !== null) out += `.dev${p.dev}`;
  if (p.local !== null) out += `+${p.local.join('.')}`;
  return out;
}

/** PEP 440 order (packaging's `_cmpkey`), as a comparator; undefined when either is not a PEP 440 version. */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parsed(a);
  const y = parsed(b);
  if (x === undefined || y === undefined) return undefined;
  return compareTuples(orderKey(x), orderKey(y)) || compareLocal(x.local, y.local);
}

/** -∞ and +∞ where packaging puts them: a missing segment sorts by a rank before its number. */
const BELOW = -1n;
const ABOVE = 1n;
const PRE_ORDER: Record<string, bigint> = { a: 0n, b: 1n, rc: 2n };

/** Epoch, release (trailing zeros dropped), then pre, post and dev as [rank, numbers…]. */
function orderKey(p: Parsed): bigint[][] {
  // A dev release of a final sorts before that final's pre-releases; a final after all of them.
  const pre = p.pre !== null ? [0n, PRE_ORDER[p.pre[0]]!, BigInt(p.pre[1])] : [p.post === null && p.dev !== null ? BELOW : ABOVE];
  const post = p.post === null ? [BELOW] : [0n, BigInt(p.post)];
  const dev = p.dev === null ? [ABOVE] : [0n, BigInt(p.dev)];
  return [[BigInt(p.epoch)], trimZeros(p.release).map(BigInt), pre, post, dev];
}

function compareTuples(a: readonly bigint[][], b: readonly bigint[][]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareList(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

/** Element by element; a list that is a prefix of the other sorts first. */
function compareList(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return Math.sign(a.length - b.length);
}

/** No local label sorts first; then part by part: a word before a number, words by text, numbers by value; a label after its prefix. */
function compareLocal(a: Parsed['local'], b: Parsed['local']): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x !== typeof y) return typeof x === 'string' ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}
