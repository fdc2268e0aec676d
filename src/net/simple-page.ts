/**
 * A PEP 691 JSON project page, reduced to what a provenance lookup needs:
 * filename → sha256 and PEP 740 `provenance` URL (plus the few keys `lock`
 * records: url, size, upload-time, requires-python, yanked). Kept small on purpose: a
 * page is cached for the whole run, and big projects list thousands of files.
 */
import { PylockAttestError } from '../errors.js';
import { isPlainObject, parseJsonBody } from './json.js';

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_JSON_LATEST = 'application/vnd.pypi.simple.latest+json';

export interface PageFile {
  /** Lower-case hex, or undefined when the index gives no sha256. */
  sha256: string | undefined;
  /** The PEP 740 `provenance` value: a URL (maybe relative), or null for none. */
  provenance: string | null;
  /** The file is listed twice with different data: trust neither entry. */
  conflict: boolean;
  /**
   * What `lock` records, as the page gives it (unchecked: `lock` validates
   * each before use, and a lookup never reads them). Absent when missing or
   * of the wrong JSON type, never a reason to refuse the page.
   */
  url?: string;
  size?: number;
  uploadTime?: string;
  requiresPython?: string;
  /** PEP 592: true or a reason string when yanked. */
  yanked?: boolean | string;
}

export type PageFiles = Map<string, PageFile>;

function fail(message: string): never {
  throw new PylockAttestError('INDEX_BODY', `Simple API page ${message}`);
}

export function parseSimplePage(body: Buffer): PageFiles {
  const root = parseJsonBody(body, 'Simple API page', 16);
  if (!isPlainObject(root)) fail('is not a JSON object');
  checkApiVersion(root['meta']);
  const files = root['files'];
  if (!Array.isArray(files)) fail('has no files array');
  const out: PageFiles = new Map();
  for (const [i, entry] of files.entries()) addFile(out, entry, i);
  return out;
}

/** PEP 691: a client must refuse a major version it does not know. */
function checkApiVersion(meta: unknown): void {
  const version = isPlainObject(meta) ? meta['api-version'] : undefined;
  if (typeof version !== 'string' || !/^1(\.\d+)*$/.test(version)) {
    fail(`has an unsupported meta.api-version (we read major version 1)`);
  }
}

function addFile(out: PageFiles, entry: unknown, i: number): void {
  if (!isPlainObject(entry) || typeof entry['filename'] !== 'string') fail(`files[${i}] has no filename`);
  const file = readFile(entry, i);
  const seen = out.get(entry['filename']);
  if (seen === undefined) out.set(entry['filename'], file);
  else if (seen.sha256 !== file.sha256 || seen.provenance !== file.provenance) seen.conflict = true;
}

function readFile(entry: Record<string, unknown>, i: number): PageFile {
  const hashes = entry['hashes'];
  const raw = isPlainObject(hashes) ? hashes['sha256'] : undefined;
  const sha256 = typeof raw === 'string' && /^[0-9a-fA-F]{64}$/.test(raw) ? raw.toLowerCase() : undefined;
  const provenance = entry['provenance'] ?? null;
  if (provenance !== null && typeof provenance !== 'string') fail(`files[${i}].provenance is neither a URL nor null`);
  return { sha256, provenance, conflict: false, ...lockFields(entry) };
}

/** The keys `lock` records; a value of the wrong type is left out. */
function lockFields(entry: Record<string, unknown>): Pick<PageFile, 'url' | 'size' | 'uploadTime' | 'requiresPython' | 'yanked'> {
  const out: Pick<PageFile, 'url' | 'size' | 'uploadTime' | 'requiresPython' | 'yanked'> = {};
  const { url, size, yanked } = entry;
  if (typeof url === 'string') out.url = url;
  if (typeof size === 'number') out.size = size;
  if (typeof entry['upload-time'] === 'string') out.uploadTime = entry['upload-time'];
  if (typeof entry['requires-python'] === 'string') out.requiresPython = entry['requires-python'];
  if (typeof yanked === 'boolean' || typeof yanked === 'string') out.yanked = yanked;
  return out;
}
