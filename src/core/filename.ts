import { normalizeProjectName } from './names.js';

/** Longest filename we will send to an index; real distribution names are far shorter. */
const MAX_FILENAME = 255;

/**
 * The filename as uploaded, from the percent-decoded last segment of a URL
 * or path. PyPI matches it case-sensitively, so it must not come from a
 * lowercased `name` key unless nothing else is there.
 */
export function filenameFromLocation(url: string | undefined, path: string | undefined, name: string | undefined): string | undefined {
  const candidates = [url !== undefined ? lastUrlSegment(url) : undefined, path !== undefined ? lastPathSegment(path) : undefined, name];
  for (const c of candidates) {
    if (c !== undefined && isPlausibleFilename(c)) return c;
  }
  return undefined;
}

function lastUrlSegment(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const raw = pathname.slice(pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function lastPathSegment(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

/** A name that could be a file on an index: no separators, no dot-segments, bounded. */
export function isPlausibleFilename(name: string): boolean {
  return name.length > 0 && name.length <= MAX_FILENAME && !/[/\\\0]/.test(name) && name !== '.' && name !== '..';
}

export type DistributionKind = 'wheel' | 'sdist';

/** The project part of a distribution filename, PEP 503-normalized, or undefined if it is not one. */
export function projectOfFilename(filename: string): { project: string; kind: DistributionKind } | undefined {
  if (filename.endsWith('.whl')) {
    const first = filename.split('-')[0];
    return first ? { project: normalizeProjectName(first), kind: 'wheel' } : undefined;
  }
  const m = /^(.+)-[^-]+\.(tar\.gz|zip|tar\.bz2|tar\.xz|tgz|tar)$/i.exec(filename);
  return m?.[1] ? { project: normalizeProjectName(m[1]), kind: 'sdist' } : undefined;
}
