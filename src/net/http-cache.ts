/**
 * A private HTTP cache around `HttpClient.get`, on disk, shared by runs and
 * processes: what makes a warm pre-commit run need no network at all.
 *
 * What is kept (RFC 9111, the parts an index uses):
 * - 200 answers, fresh for `max-age` (or `Expires`), less the `Age` they
 *   already had, and never longer than a day: provenance is not immutable
 *   (the index may add attestations), so nothing is kept forever unchecked.
 *   `no-cache`, or no freshness at all, keeps the answer for revalidation only.
 * - 404 answers for at most 10 minutes (0 without an explicit lifetime): a
 *   file may gain provenance minutes after upload, and "none" must not stick.
 *   A 404 replaces what was stored, so offline never revives an answer the
 *   index has since withdrawn.
 * - Nothing else (403, 406, 3xx, 5xx): those are the index's state now, and
 *   the last good answer stays for offline use.
 * - Never a `no-store` or `Vary: *` answer; one drops what was stored.
 *
 * Once stale, an entry with an `ETag` is revalidated with `If-None-Match`;
 * a 304 refreshes its lifetime and serves the stored body. The key is the
 * URL as requested (credentials included, hashed) and the Accept header.
 *
 * Offline, the cache is the only source: any stored answer, fresh or stale,
 * and a clear "not in the cache" error for the rest; nothing is sent.
 * Revalidating (`check`), no answer is served without asking: a fresh one
 * is revalidated like a stale one.
 *
 * The store authenticates every record with a key kept outside the cache
 * directory (io/cache-store.ts): an answer served from here is one this
 * machine received, not one planted beside it.
 */
import { createHash } from 'node:crypto';
import { PylockAttestError } from '../errors.js';
import type { HttpGetter, HttpResponse } from './http.js';
import { redactUrl } from './urls.js';

/** The part of a cache store this needs (io/cache-store.ts provides it). */
export interface HttpCacheStore {
  get(key: string): Promise<Buffer | undefined>;
  /** `payload` may come in parts: they are stored as one record, in order. */
  set(key: string, payload: Uint8Array | readonly Uint8Array[]): Promise<unknown>;
  delete(key: string): Promise<void>;
}

export interface CachingHttpOptions {
  /** Serve from the cache only; never send a request. */
  offline?: boolean;
  /** Treat every stored answer as stale: always ask the index (with If-None-Match when there is an ETag). */
  revalidate?: boolean;
  now?: () => number;
}

export interface HttpCacheStats {
  /** Requests sent to the network (each GET once; 304 revalidations included). */
  network: number;
  /** Answers served from a fresh entry, or from any entry offline. */
  hits: number;
  /** Stale entries the index confirmed with 304. */
  revalidated: number;
}

/** How long an answer stays fresh, and what revalidates it. */
interface Freshness {
  freshUntil: number;
  etag?: string;
}

/** The stored form: what a response needs to be served again. */
interface Entry extends Freshness {
  v: 1;
  key: string;
  status: number;
  url: string;
  headers: Record<string, string>;
  storedAt: number;
}

const MAX_FRESH_MS = 24 * 3600 * 1000;
const MAX_FRESH_404_MS = 10 * 60 * 1000;
/** Headers worth keeping: what parsing and revalidation read. */
const KEPT_HEADERS = ['content-type', 'etag', 'cache-control', 'expires', 'last-modified', 'vary'];

export class CachingHttp {
  readonly #connect: (() => Promise<HttpGetter>) | undefined;
  readonly #store: HttpCacheStore;
  readonly #now: () => number;
  readonly #revalidate: boolean;
  readonly stats: HttpCacheStats = { network: 0, hits: 0, revalidated: 0 };
  #horizon = Number.POSITIVE_INFINITY;
  /** Writes still on their way to disk: answers are not held back for them. */
  readonly #writing = new Set<Promise<void>>();

  /**
   * `inner` is the client misses go to, or a function building it on the
   * first miss. Offline there is none: nothing can reach the network.
   */
  constructor(inner: HttpGetter | (() => Promise<HttpGetter>) | undefined, store: HttpCacheStore, opts: CachingHttpOptions = {}) {
    if (inner === undefined && opts.offline !== true) throw new Error('CachingHttp needs an HTTP client unless offline');
    const connect = typeof inner === 'function' ? inner : async () => inner!;
    this.#connect = opts.offline === true ? undefined : connect;
    this.#store = store;
    this.#now = opts.now ?? Date.now;
    this.#revalidate = opts.revalidate === true;
  }

  /**
   * The earliest time any answer served so far stops being fresh (now or
   * earlier when one was not kept at all). Whatever was derived only from
   * answers served so far may be reused until then, exactly as the answers
   * themselves would be: app/outcome-cache.ts keeps file outcomes that long.
   */
  get horizon(): number {
    return this.#horizon;
  }

  async get(url: string, accept: string): Promise<HttpResponse> {
    const key = cacheKey(url, accept);
    const stored = await this.#read(key);
    if (this.#connect === undefined) return this.#offline(stored, url);
    if (stored !== undefined && !this.#revalidate && stored.entry.freshUntil > this.#now()) {
      this.stats.hits++;
      this.#servedUntil(stored.entry.freshUntil);
      return stored.response;
    }
    const conditional = stored?.entry.etag !== undefined ? { ifNoneMatch: stored.entry.etag } : {};
    this.stats.network++;
    const res = await (await this.#connect()).get(url, accept, conditional);
    if (res.status === 304 && stored !== undefined && conditional.ifNoneMatch !== undefined) return this.#refreshed(key, stored, res);
    this.#keep(key, res);
    return res;
  }

  #servedUntil(freshUntil: number): void {
    this.#horizon = Math.min(this.#horizon, freshUntil);
  }

  #offline(stored: Stored | undefined, url: string): HttpResponse {
    if (stored === undefined) {
      throw new PylockAttestError('OFFLINE_MISS', `--offline: the cache holds no answer for GET ${redactUrl(url)}; run once without --offline to fill it`);
    }
    this.stats.hits++;
    this.#servedUntil(stored.entry.freshUntil);
    return stored.response;
  }

  /** A 304: the stored body stands; its lifetime restarts from the new headers. */
  async #refreshed(key: string, stored: Stored, res: HttpResponse): Promise<HttpResponse> {
    this.stats.revalidated++;
    const merged = { ...stored.response.headers, ...res.headers };
    const response = { ...stored.response, headers: pick(merged) };
    const fresh = freshness(stored.response.status, merged, this.#now());
    this.#servedUntil(typeof fresh === 'object' ? fresh.freshUntil : this.#now());
    this.#apply(key, response, fresh);
    return response;
  }

  #keep(key: string, res: HttpResponse): void {
    const fresh = freshness(res.status, res.headers, this.#now());
    this.#servedUntil(typeof fresh === 'object' ? fresh.freshUntil : this.#now());
    this.#apply(key, { ...res, headers: pick(res.headers) }, fresh);
  }

  /**
   * Stores or forgets in the background: a request's slot in the run's
   * limiter is not held while its answer goes to disk (measured: awaiting
   * the write made a cold run on a fast index 4× slower). `flush()` waits.
   */
  #apply(key: string, res: HttpResponse, fresh: Freshness | 'forget' | undefined): void {
    if (fresh === undefined) return;
    const write = fresh === 'forget' ? this.#store.delete(key) : this.#write(key, res, fresh);
    const tracked = write.catch(() => undefined).finally(() => this.#writing.delete(tracked));
    this.#writing.add(tracked);
  }

  /** Resolves once every answer served so far is on disk (or failed to get there). */
  async flush(): Promise<void> {
    while (this.#writing.size > 0) await Promise.all([...this.#writing]);
  }

  async #write(key: string, res: HttpResponse, fresh: Freshness): Promise<void> {
    const entry: Entry = { v: 1, key, status: res.status, url: res.url, headers: res.headers, storedAt: this.#now(), ...fresh };
    await this.#store.set(key, [Buffer.from(`${JSON.stringify(entry)}\n`), res.body]);
  }

  async #read(key: string): Promise<Stored | undefined> {
    const payload = await this.#store.get(key);
    return payload === undefined ? undefined : decodeEntry(payload, key);
  }
}

interface Stored {
  entry: Entry;
  response: HttpResponse;
}

/** `sha256(url NUL accept)`: credentials in the URL never reach a file name. */
export function cacheKey(url: string, accept: string): string {
  return createHash('sha256').update(url).update('\0').update(accept).digest('hex');
}

function decodeEntry(payload: Buffer, key: string): Stored | undefined {
  const newline = payload.indexOf(0x0a);
  if (newline < 0) return undefined;
  let entry: Entry;
  try {
    entry = JSON.parse(payload.subarray(0, newline).toString('utf8')) as Entry;
  } catch {
    return undefined;
  }
  if (!isEntry(entry) || entry.key !== key) return undefined;
  const body = payload.subarray(newline + 1);
  return { entry, response: { status: entry.status, url: entry.url, headers: entry.headers, body } };
}

function isEntry(e: Entry): boolean {
  if (typeof e !== 'object' || e === null || e.v !== 1) return false;
  if (typeof e.status !== 'number' || typeof e.url !== 'string' || typeof e.freshUntil !== 'number') return false;
  if (e.etag !== undefined && typeof e.etag !== 'string') return false;
  const headers = e.headers as unknown;
  return typeof headers === 'object' && headers !== null && Object.values(headers).every((v) => typeof v === 'string');
}

function pick(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

/** Cache-Control directives, lower-cased; `max-age` kept as a number when it is one. */
export function parseCacheControl(value: string | undefined): { noStore: boolean; noCache: boolean; maxAge?: number } {
  const out: { noStore: boolean; noCache: boolean; maxAge?: number } = { noStore: false, noCache: false };
  for (const part of (value ?? '').split(',')) {
    const [rawName = '', rawValue] = part.split('=', 2);
    const name = rawName.trim().toLowerCase();
    if (name === 'no-store') out.noStore = true;
    else if (name === 'no-cache') out.noCache = true;
    else if (name === 'max-age') {
      const seconds = Number((rawValue ?? '').trim().replace(/^"(.*)"$/, '$1'));
      if (Number.isInteger(seconds) && seconds >= 0) out.maxAge = out.maxAge === undefined ? seconds : Math.min(out.maxAge, seconds);
    }
  }
  return out;
}

/**
 * How long an answer may be kept: `undefined` leaves the cache as it is (the
 * answer is not one we store), `'forget'` drops the stored entry (the index
 * forbids keeping this answer).
 */
export function freshness(status: number, headers: Record<string, string>, now: number): Freshness | 'forget' | undefined {
  if (status !== 200 && status !== 404) return undefined;
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.noStore || (headers['vary'] ?? '').split(',').some((v) => v.trim() === '*')) return 'forget';
  const lifetime = lifetimeMs(cc, headers);
  const cap = status === 404 ? MAX_FRESH_404_MS : MAX_FRESH_MS;
  const age = Math.max(0, Number(headers['age']) || 0) * 1000;
  const fresh = cc.noCache || lifetime === undefined ? 0 : Math.max(0, Math.min(lifetime, cap) - age);
  const etag = headers['etag'];
  return etag === undefined ? { freshUntil: now + fresh } : { freshUntil: now + fresh, etag };
}

/** `max-age`, else `Expires` − `Date`; undefined when the answer gives no lifetime. */
function lifetimeMs(cc: { maxAge?: number }, headers: Record<string, string>): number | undefined {
  if (cc.maxAge !== undefined) return cc.maxAge * 1000;
  if (headers['expires'] === undefined) return undefined;
  const expires = Date.parse(headers['expires']);
  const date = headers['date'] === undefined ? Date.now() : Date.parse(headers['date']);
  // An unparsable Expires means "already expired" (RFC 9111 5.3).
  return Number.isNaN(expires) || Number.isNaN(date) ? 0 : Math.max(0, expires - date);
}
