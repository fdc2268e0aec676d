import { sameDistribution } from './distribution-filename.js';

/** Longest filename we will send to an index; real distribution names are far shorter. */
const MAX_FILENAME = 255;

export interface FileNames {
  /** PEP 751's filename: `name`, else the last segment of `path`, else of `url` (what packaging.pylock reads). */
  filename: string;
  /**
   * The same distribution as the file's `url` (or `path`) spells it, percent-decoded:
   * uv writes `name = "markupsafe-…"` beside PyPI's `MarkupSafe-…` URL, and an index that
   * matches names exactly (PyPI's Integrity API) knows only the latter. Undefined when the
   * location does not end in a spelling of the file (an artifact store's `download?id=1`).
   */
  urlName: string | undefined;
}

/** A file's names from its `url`, `path` and `name` keys; undefined when none gives a usable one. */
export function fileNames(url: string | undefined, path: string | undefined, name: string | undefined): FileNames | undefined {
  const fromUrl = url !== undefined ? lastUrlSegment(url) : undefined;
  const fromPath = path !== undefined ? lastPathSegment(path) : undefined;
  const filename = [name, fromPath, fromUrl].find((c) => c !== undefined && isPlausibleFilename(c));
  if (filename === undefined) return undefined;
  const urlName = [fromUrl, fromPath].find((c) => c !== undefined && isPlausibleFilename(c) && (c === filename || sameDistribution(c, filename)));
  return { filename, urlName };
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

/**
 * The last segment of a URL's path exactly as written, as Python's
 * `urlparse(url).path.rsplit("/", 1)[-1]` gives it (no percent-decoding, no
 * `;params`): packaging.pylock's file name when a file has no `name`.
 */
export function rawUrlName(url: string): string {
  const afterScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  const rest = afterScheme === null ? url : url.slice(afterScheme[0].length);
  const path = rest.split(/[?#]/, 1)[0] ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.split(';', 1)[0] ?? '';
}

/** A name that could be a file on an index: no separators, no dot-segments, bounded. */
export function isPlausibleFilename(name: string): boolean {
  return name.length > 0 && name.length <= MAX_FILENAME && !/[/\\\0]/.test(name) && name !== '.' && name !== '..';
}
