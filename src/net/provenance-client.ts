/**
 * The request plan: which URL answers "what provenance does this file have?"
 * on a given index, and what each answer means.
 *
 * - PyPI (pypi.org, test.pypi.org): the Integrity API, one request per file.
 * - Any other index: the PEP 691 JSON Simple API, one request per project
 *   (cached for the run) plus one per file that advertises provenance. The
 *   page also lets us check that the index serves the file the lock records.
 *
 * Per-file problems never throw: they come back as data. Only a 404 from the
 * Integrity API or an explicit `provenance: null` counts as "none"; anything
 * else that goes wrong is "unavailable", which is no evidence of absence.
 */
import { hash } from 'node:crypto';
import type { ErrorCode } from '../errors.js';
import { isPylockAttestError, PylockAttestError } from '../errors.js';
import type { Provenance } from '../core/types.js';
import { normalizeProjectName } from '../core/names.js';
import type { HttpGetter, HttpResponse } from './http.js';
import { advertisedHere, checkIndexUrl, encodeSegment, originWithCredentials, redactUrl } from './urls.js';
import { mediaType, printable } from './json.js';
import { parseProvenance } from './provenance.js';
import { parseSimplePage, SIMPLE_JSON, SIMPLE_JSON_LATEST, type PageFile, type PageFiles } from './simple-page.js';
import type { IndexFile } from '../core/lock-selection.js';
import { distributionKey } from '../core/distribution-filename.js';
import { setImmediate as nextTurn } from 'node:timers/promises';

export { parseProvenance } from './provenance.js';

export interface FileQuery {
  project: string;
  version: string;
  /** As the lockfile's url (or path) spells it: an exact-match index (the Integrity API) is sent this. */
  filename: string;
  /**
   * false when `filename` comes only from a lockfile's `name` key, which may be a normalized
   * spelling (uv writes `markupsafe-…` for PyPI's `MarkupSafe-…`): then the index's own
   * listing (the JSON Simple API, which PyPI serves too) gives the spelling.
   */
  exactName?: boolean;
  /** Lower-case hex sha256 from the lockfile. */
  sha256: string;
  /** The index URL the lockfile names, e.g. `https://pypi.org/simple`. */
  indexUrl: string;
}

export type LookupResult =
  /**
   * `document`: the body the provenance was parsed from, and `digest` its sha256 hex: together they
   * name each attestation for the verdict cache and carry it to a worker (verify/verifier.ts AttestationSource).
   */
  | { status: 'found'; provenance: Provenance; url: string; document?: Buffer; digest?: string }
  | { status: 'none'; url: string; detail: string }
  | { status: 'unavailable'; url: string; code: ErrorCode; detail: string }
  | { status: 'index-mismatch'; url: string; detail: string; indexSha256?: string };

export type ProvenanceMode = 'auto' | 'integrity' | 'simple';

export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export const INTEGRITY_JSON = 'application/vnd.pypi.integrity.v1+json';
/** For provenance URLs a non-PyPI index advertises: it may serve plain JSON. */
const ADVERTISED_ACCEPT = `${INTEGRITY_JSON}, application/json;q=0.9`;
const PYPI_HOSTS: ReadonlySet<string> = new Set(['pypi.org', 'test.pypi.org']);
/**
 * Settled lookups kept for re-use, least recently used dropped first.
 * In-flight lookups are always shared, and evaluate.ts already answers each
 * file once per run; this serves callers that ask again later. A parsed
 * provenance object is ~8 KB: at 4,096 the retained set made a warm
 * 6,000-file run spend a fifth of its time in GC (bench/run.ts).
 */
const REMEMBERED_LOOKUPS = 256;

type PageOutcome =
  | { kind: 'page'; url: string; files: PageFiles }
  | { kind: 'missing'; url: string; detail: string }
  | { kind: 'unavailable'; url: string; code: ErrorCode; detail: string };

/** Whether `mode` sends this index's lookups to the Integrity API. */
export function usesIntegrityApi(indexUrl: string, mode: ProvenanceMode): boolean {
  if (mode !== 'auto') return mode === 'integrity';
  return PYPI_HOSTS.has(checkIndexUrl(indexUrl).hostname);
}

/**
 * `{origin}/integrity/{project}/{version}/{filename}/provenance`. The project is
 * PEP 503-normalized. The version goes as the lock records it: warehouse
 * canonicalizes it itself and falls back to an exact match for legacy
 * releases whose versions collide once canonicalized. The filename is exact.
 */
export function integrityUrl(q: FileQuery): string {
  const base = originWithCredentials(checkIndexUrl(q.indexUrl));
  const segments = [normalizeProjectName(q.project), q.version, q.filename].map(encodeSegment);
  return `${base}/integrity/${segments.join('/')}/provenance`;
}

/** `{indexUrl}/{normalized project}/`, the PEP 503/691 project page. */
export function simplePageUrl(indexUrl: string, project: string): string {
  const index = checkIndexUrl(indexUrl);
  const dir = index.pathname.endsWith('/') ? index.pathname : `${index.pathname}/`;
  return `${originWithCredentials(index)}${dir}${encodeSegment(normalizeProjectName(project))}/`;
}

/**
 * A URL a project page gives us, resolved against the page and held to the
 * index URL rules. It must not downgrade from https (or it could aim us at a
 * loopback http service), and a remote index must not point at this machine.
 */
function resolveFromPage(ref: string, pageUrl: string, indexUrl: string, what: 'provenance' | 'file'): { url: URL; index: URL } {
  let resolved: string;
  try {
    resolved = new URL(ref, pageUrl).href;
  } catch (cause) {
    const says = what === 'provenance' ? 'advertises an invalid provenance URL' : 'gives an invalid file URL';
    throw new PylockAttestError('INDEX_URL', `the index ${says}: ${printable(redactUrl(ref))}`, {}, { cause });
  }
  const url = checkIndexUrl(resolved);
  if (new URL(pageUrl).protocol === 'https:' && url.protocol !== 'https:') {
    throw new PylockAttestError('INDEX_URL', `refusing ${what} URL ${redactUrl(url)}: it downgrades from https`);
  }
  const index = checkIndexUrl(indexUrl);
  const here = advertisedHere(url, index);
  if (here !== undefined) {
    throw new PylockAttestError('INDEX_URL', `refusing ${what} URL ${redactUrl(url)}: a remote index points at this machine (${here} address)`);
  }
  return { url, index };
}

/** An advertised provenance URL, to fetch. Credentials go along only to the index's own origin. */
export function resolveAdvertised(ref: string, pageUrl: string, indexUrl: string): string {
  const { url, index } = resolveFromPage(ref, pageUrl, indexUrl, 'provenance');
  if (url.origin === index.origin && url.username === '' && url.password === '') {
    url.username = index.username;
    url.password = index.password;
  }
  // Ask for exactly what was advertised: URL parsing would resolve `%2E%2E` segments into another path.
  const raw = writtenPath(ref);
  return raw === undefined ? url.href : `${originWithCredentials(url)}${raw}`;
}

/** The path and query of an absolute or path-absolute URL as written (no fragment); undefined for a relative one. */
function writtenPath(ref: string): string | undefined {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(ref);
  const path = absolute !== null ? absolute[1]! : ref.startsWith('/') && !ref.startsWith('//') ? ref.split('#')[0]! : undefined;
  if (path === undefined) return undefined;
  return path === '' ? '/' : path.startsWith('?') ? `/${path}` : path;
}

/**
 * A file URL from a project page, for a lockfile: written without
 * credentials or fragment (a lockfile is shared; the installer authenticates).
 */
export function resolveFileUrl(ref: string, pageUrl: string, indexUrl: string): string {
  const { url } = resolveFromPage(ref, pageUrl, indexUrl, 'file');
  url.username = '';
  url.password = '';
  url.hash = '';
  return url.href;
}

/** A project page as `lock` reads it: every file, or why there is no page. */
export type ProjectFilesResult =
  | { status: 'page'; url: string; files: IndexFile[] }
  | { status: 'missing'; url: string; detail: string }
  | { status: 'unavailable'; url: string; code: ErrorCode; detail: string };

export class ProvenanceClient {
  readonly #http: HttpGetter;
  readonly #limit: Limiter;
  readonly #mode: ProvenanceMode;
  readonly #inFlight = new Map<string, Promise<LookupResult>>();
  readonly #settled = new Map<string, LookupResult>();
  readonly #pages = new Map<string, Promise<PageOutcome>>();
  #requests = 0;

  constructor(http: HttpGetter, limit: Limiter, opts: { mode: ProvenanceMode }) {
    this.#http = http;
    this.#limit = limit;
    this.#mode = opts.mode;
  }

  /** HTTP requests sent so far (each GET once, whatever its retries). */
  get requests(): number {
    return this.#requests;
  }

  /** One file's provenance. Identical lookups in one run share one answer. */
  lookup(q: FileQuery): Promise<LookupResult> {
    const key = [indexKey(q.indexUrl), normalizeProjectName(q.project), q.version, q.filename, q.sha256.toLowerCase(), q.exactName !== false].join('\0');
    const settled = this.#settled.get(key);
    if (settled !== undefined) {
      this.#remember(key, settled);
      return Promise.resolve(settled);
    }
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#lookupOnce(q).then((result) => {
        this.#inFlight.delete(key);
        this.#remember(key, result);
        return result;
      });
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  /**
   * Every file a project page lists, for `lock`. The page is the one lookups
   * use (fetched once per run), so locking then enriching costs no second request.
   */
  async projectFiles(indexUrl: string, project: string): Promise<ProjectFilesResult> {
    const page = await this.#page(indexUrl, project);
    if (page.kind === 'missing') return { status: 'missing', url: page.url, detail: page.detail };
    if (page.kind === 'unavailable') return { status: 'unavailable', url: page.url, code: page.code, detail: page.detail };
    const files = [...page.files].map(([filename, f]) => indexFile(filename, f, page.url, indexUrl));
    return { status: 'page', url: page.url, files };
  }

  #remember(key: string, result: LookupResult): void {
    this.#settled.delete(key); // re-inserted as the most recently used
    this.#settled.set(key, result);
    if (this.#settled.size > REMEMBERED_LOOKUPS) this.#settled.delete(this.#settled.keys().next().value!);
  }

  async #lookupOnce(q: FileQuery): Promise<LookupResult> {
    try {
      const integrity = usesIntegrityApi(q.indexUrl, this.#mode) && (q.exactName !== false || this.#mode === 'integrity');
      return integrity ? await this.#viaIntegrity(q) : await this.#viaSimple(q);
    } catch (err) {
      return unavailableFrom(err, redactUrl(q.indexUrl));
    }
  }

  /**
   * Every request goes through the run's one limiter; nothing here nests
   * limiter calls. The answer is handed on one event-loop turn later: the
   * request the limiter starts in its place goes out first. Answers arrive
   * in bursts (16 at once at the default concurrency); parsed and verified
   * at once, each burst held the next requests back by all of their work
   * (cold network, 2,000 files: 3% of the wall time, docs/decisions.md).
   */
  async #get(url: string, accept: string): Promise<HttpResponse> {
    const res = await this.#limit(() => {
      this.#requests++;
      return this.#http.get(url, accept);
    });
    await nextTurn();
    return res;
  }

  async #viaIntegrity(q: FileQuery): Promise<LookupResult> {
    const url = integrityUrl(q);
    const res = await this.#get(url, INTEGRITY_JSON);
    return fromProvenanceResponse(res, redactUrl(url), { notFoundMeansNone: true });
  }

  async #viaSimple(q: FileQuery): Promise<LookupResult> {
    const page = await this.#page(q.indexUrl, q.project);
    if (page.kind === 'missing') return { status: 'index-mismatch', url: page.url, detail: page.detail };
    if (page.kind === 'unavailable') return { status: 'unavailable', url: page.url, code: page.code, detail: page.detail };
    const listed = findListed(page.files, q.filename);
    if (listed.file === undefined) return { status: 'index-mismatch', url: page.url, detail: listed.detail };
    const mismatch = checkListing(listed.file, q, page.url);
    if (mismatch !== undefined) return mismatch;
    const ref = listed.file.provenance;
    if (ref === null) return { status: 'none', url: page.url, detail: 'the index lists no provenance for this file' };
    const url = resolveAdvertised(ref, page.url, q.indexUrl);
    const res = await this.#get(url, ADVERTISED_ACCEPT);
    // The index said provenance exists: a 404 now is an index fault, not absence.
    return fromProvenanceResponse(res, redactUrl(url), { notFoundMeansNone: false });
  }

  /** One page request per (index, project) for the whole run. */
  #page(indexUrl: string, project: string): Promise<PageOutcome> {
    const key = `${indexKey(indexUrl)}\0${normalizeProjectName(project)}`;
    let pending = this.#pages.get(key);
    if (pending === undefined) {
      pending = this.#fetchPage(indexUrl, project);
      this.#pages.set(key, pending);
    }
    return pending;
  }

  async #fetchPage(indexUrl: string, project: string): Promise<PageOutcome> {
    let shown = redactUrl(indexUrl);
    try {
      const url = simplePageUrl(indexUrl, project);
      shown = redactUrl(url);
      return pageFromResponse(await this.#get(url, SIMPLE_JSON));
    } catch (err) {
      const u = unavailableFrom(err, shown);
      return { kind: 'unavailable', url: u.url, code: u.code, detail: u.detail };
    }
  }
}

function indexFile(filename: string, f: PageFile, pageUrl: string, indexUrl: string): IndexFile {
  const out: IndexFile = {
    filename,
    url: undefined,
    sha256: f.sha256,
    size: f.size,
    uploadTime: f.uploadTime,
    requiresPython: f.requiresPython,
    yanked:
      f.yanked === true || (typeof f.yanked === 'string' && f.yanked !== '') ? { reason: typeof f.yanked === 'string' ? printable(f.yanked) : '' } : false,
    conflict: f.conflict,
  };
  if (f.url === undefined) {
    out.urlProblem = 'the page gives no url';
    return out;
  }
  try {
    out.url = resolveFileUrl(f.url, pageUrl, indexUrl);
  } catch (err) {
    out.urlProblem = isPylockAttestError(err) ? err.message : String(err);
  }
  return out;
}

/** `https://x/simple` and `https://x/simple/` are one index. */
function indexKey(indexUrl: string): string {
  return indexUrl.replace(/\/+$/, '');
}

function pageFromResponse(res: HttpResponse): PageOutcome {
  if (res.status === 404) return { kind: 'missing', url: res.url, detail: 'the index does not list this project (HTTP 404)' };
  if (res.status !== 200) return { kind: 'unavailable', url: res.url, code: statusCode(res.status), detail: `HTTP ${res.status} for the project page` };
  const type = mediaType(res.headers['content-type']);
  if (type !== SIMPLE_JSON && type !== SIMPLE_JSON_LATEST) {
    const detail = `this index does not serve the JSON Simple API (PEP 691): got ${printable(type || 'no content type', 80)}`;
    return { kind: 'unavailable', url: res.url, code: 'INDEX_BODY', detail };
  }
  return { kind: 'page', url: res.url, files: parseSimplePage(res.body) };
}

/**
 * The page's entry for the lockfile's file: listed under that very name, or
 * under another spelling of the same distribution (normalized project name,
 * PEP 440-equal version, same wheel tags or sdist format), never a different file.
 */
function findListed(files: PageFiles, filename: string): { file: PageFile; detail?: undefined } | { file?: undefined; detail: string } {
  const exact = files.get(filename);
  if (exact !== undefined) return { file: exact };
  const key = distributionKey(filename);
  const spellings = key === undefined ? [] : [...files.keys()].filter((listed) => distributionKey(listed) === key);
  if (spellings.length === 1) return { file: files.get(spellings[0]!)! };
  if (spellings.length > 1)
    return {
      detail: `the index lists this file under ${spellings.length} spellings (${spellings
        .slice(0, 3)
        .map((s) => printable(s, 120))
        .join(', ')})`,
    };
  return { detail: 'the index does not list this file' };
}

/** The lock and the index must agree on the file, or the provenance answers a different question. */
function checkListing(file: PageFile, q: FileQuery, url: string): LookupResult | undefined {
  if (file.conflict) return { status: 'index-mismatch', url, detail: 'the index lists this file twice with different data' };
  if (file.sha256 === undefined) return { status: 'index-mismatch', url, detail: 'the index gives no sha256 for this file' };
  if (file.sha256 !== q.sha256.toLowerCase()) {
    return { status: 'index-mismatch', url, detail: 'the sha256 on the index differs from the lockfile', indexSha256: file.sha256 };
  }
  return undefined;
}

function fromProvenanceResponse(res: HttpResponse, url: string, opts: { notFoundMeansNone: boolean }): LookupResult {
  if (res.status === 200) return parseFound(res, url);
  if (res.status === 404 && opts.notFoundMeansNone) return { status: 'none', url, detail: notFoundDetail(res) };
  if (res.status === 403) {
    return { status: 'unavailable', url, code: 'INDEX_UNAVAILABLE', detail: 'the index refused (HTTP 403); PyPI answers so while attestations are disabled' };
  }
  const why = res.status === 406 ? ' (the index did not accept our Accept header)' : '';
  return { status: 'unavailable', url, code: statusCode(res.status), detail: `HTTP ${res.status}${why}` };
}

function parseFound(res: HttpResponse, url: string): LookupResult {
  const type = mediaType(res.headers['content-type']);
  if (type !== 'application/json' && !type.endsWith('+json')) {
    return { status: 'unavailable', url, code: 'INDEX_BODY', detail: `provenance served as ${printable(type || 'no content type', 80)}, not JSON` };
  }
  try {
    return { status: 'found', provenance: parseProvenance(res.body), url, document: res.body, digest: hash('sha256', res.body, 'hex') };
  } catch (err) {
    return unavailableFrom(err, url);
  }
}

function notFoundDetail(res: HttpResponse): string {
  try {
    const parsed: unknown = JSON.parse(res.body.subarray(0, 4096).toString('utf8'));
    const message = (parsed as { message?: unknown } | null)?.message;
    if (typeof message === 'string') return printable(message);
  } catch {
    // Not JSON: fall through to the status line.
  }
  return 'no provenance (HTTP 404)';
}

function statusCode(status: number): ErrorCode {
  return status === 403 ? 'INDEX_UNAVAILABLE' : 'INDEX_HTTP';
}

function unavailableFrom(err: unknown, url: string): LookupResult & { status: 'unavailable' } {
  if (isPylockAttestError(err)) {
    // The hint is the only place a TLS failure says "NODE_EXTRA_CA_CERTS": keep it with the cause.
    const detail = err.hint === undefined ? err.message : `${err.message} (${err.hint})`;
    return { status: 'unavailable', url, code: err.code, detail };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 'unavailable', url, code: 'INDEX_UNAVAILABLE', detail: printable(message) };
}
