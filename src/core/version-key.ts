/**
 * PEP 440 version equality, as `packaging.version.Version.__eq__` decides it:
 * case-insensitive, alternative spellings normalized, leading zeros and
 * trailing `.0` release segments ignored. Numbers are compared as BigInt
 * strings so that two huge segments never collapse into one float.
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

const num = (digits: string | undefined): string => BigInt(digits ?? '0').toString();

function releaseKey(release: string): string[] {
  const parts = release.split('.').map(num);
  while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop();
  return parts;
}

function localKey(local: string | undefined): string[] | null {
  if (local === undefined) return null;
  return local.split(/[-_.]/).map((seg) => (/^[0-9]+$/.test(seg) ? `i:${num(seg)}` : `s:${seg.toLowerCase()}`));
}

/** A string equal for exactly the versions PEP 440 deems equal; undefined for an invalid version. */
export function versionKey(version: string): string | undefined {
  const g = VERSION.exec(version)?.groups;
  if (g === undefined || g.release === undefined) return undefined;
  const pre = g.preL === undefined ? null : [PRE_LETTER[g.preL.toLowerCase()], num(g.preN)];
  const post = g.postN1 !== undefined ? num(g.postN1) : g.postL !== undefined ? num(g.postN2) : null;
  const dev = g.devL === undefined ? null : num(g.devN);
  return JSON.stringify([num(g.epoch), releaseKey(g.release), pre, post, dev, localKey(g.local)]);
}
