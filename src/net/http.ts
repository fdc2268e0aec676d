/**
 * The one module that owns HTTP. Everything the tool sends to an index goes
 * through `HttpClient.get`: it sets User-Agent and Accept, applies a deadline
 * that covers headers and body, caps the body while it streams, retries only
 * what is safe to retry, and follows redirects by hand so that credentials
 * never leave the origin they were given for.
 *
 * undici is imported here and nowhere else; the app loads this module with
 * `await import()` so `--help` never pays for it.
 */
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConnector, EnvHttpProxyAgent, Pool, type Dispatcher } from 'undici';
import { PylockAttestError, type ErrorCode } from '../errors.js';
import { guardedLookup } from './address-guard.js';
import { checkIndexUrl, redactUrl } from './urls.js';

export { checkIndexUrl, redactUrl };

export interface HttpOptions {
  /** Deadline for one attempt, headers and body together. Default 30 s. */
  timeoutMs?: number;
  /** Largest body we accept. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Retries after the first attempt (408, 429, 5xx, connection errors). Default 4. */
  retries?: number;
  /** `pylock-attest/<version>`. */
  userAgent: string;
  /** Overall run deadline: aborts requests and back-off sleeps. */
  deadline?: AbortSignal;
  /** Called once per attempt (URL without credentials). */
  onRequest?: (info: { method: string; url: string }) => void;
  /** Connections per origin; size it like the run's concurrency. Default 32. */
  connections?: number;
  /** First back-off delay; doubles per retry, with jitter. Default 500 ms. */
  retryBaseMs?: number;
  /** Longest single wait (back-off or Retry-After). A longer Retry-After fails instead. Default 30 s. */
  maxRetryDelayMs?: number;
  /** Bound on one `get` across attempts, back-off and redirects. Default 120 s. */
  totalTimeoutMs?: number;
  /**
   * Host names the user chose (`hostsUserNamed`): only these may resolve to
   * this machine. Any other name that does is refused when connecting.
   */
  userNamedHosts?: readonly string[];
}

export interface HttpResponse {
  status: number;
  /** The final URL after redirects, without credentials. */
  url: string;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

const MAX_REDIRECTS = 5;
const DEFAULTS = {
  timeoutMs: 30_000,
  maxBodyBytes: 16 * 1024 * 1024,
  retries: 4,
  connections: 32,
  retryBaseMs: 500,
  maxRetryDelayMs: 30_000,
  totalTimeoutMs: 120_000,
};

type Settings = typeof DEFAULTS & Pick<HttpOptions, 'userAgent' | 'deadline' | 'onRequest' | 'userNamedHosts'>;

/** What one request goes to: the origin, the path exactly as built, and the credentials for that origin. */
interface Target {
  url: URL;
  path: string;
  authorization: string | undefined;
}

/** Request headers that select a representation: a cache revalidates with `ifNoneMatch`. */
export interface Conditional {
  ifNoneMatch?: string;
}

type Want = Conditional & { accept: string };

/** What a cache layer wraps: `HttpClient.get` and nothing else. */
export type HttpGetter = Pick<HttpClient, 'get'>;

/** One attempt's outcome when it may be retried. */
interface Retryable {
  error: PylockAttestError;
  retryAfterMs?: number;
}

// ---------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------

// Characters a request-target may carry as-is (RFC 3986 pchar, `/`, `?`, `%`).
const RAW_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/**
 * The path and query exactly as the caller built them. WHATWG URL parsing
 * would resolve `%2E%2E` segments; sending the raw path keeps a hostile
 * filename inside the endpoint it was encoded into.
 */
function rawPath(url: string, parsed: URL): string {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(url);
  const raw = match?.[1] ?? '';
  if (raw === '') return parsed.search === '' ? '/' : `/${parsed.search}`;
  return RAW_PATH.test(raw) ? raw : parsed.pathname + parsed.search;
}

function basicAuth(u: URL): string | undefined {
  if (u.username === '' && u.password === '') return undefined;
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

function toTarget(url: string): Target {
  const u = checkIndexUrl(url);
  const authorization = basicAuth(u);
  const path = rawPath(url, u);
  u.username = '';
  u.password = '';
  return { url: u, path, authorization };
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** `Retry-After` as milliseconds (delta-seconds or HTTP-date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential back-off with "equal jitter": half fixed, half random, so retries from many files spread out. */
function backoffMs(retry: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Marks our own per-attempt timer firing, as opposed to the caller's deadline. */
class AttemptTimeout extends Error {}

// ---------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

function errorCode(err: unknown): string | undefined {
  // undici and node nest the telling code (ECONNRESET, a TLS code) in `cause` now and then.
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes.find((c) => c !== 'UND_ERR_SOCKET') ?? codes[0];
}

interface Classified {
  code: ErrorCode;
  what: string;
  retryable: boolean;
  /** The request never reached the server (DNS, refused, TLS, proxy): the origin is down for us. */
  unreachable?: boolean;
  hint?: string;
}

/** Errors meaning "could not reach the origin at all", for the per-origin circuit breaker. */
const UNREACHABLE = new WeakSet<PylockAttestError>();

const CA_HINT = 'if the index uses a private CA, point NODE_EXTRA_CA_CERTS at its PEM file';
const PROXY_HINT = 'a proxy is configured in HTTPS_PROXY or HTTP_PROXY: check that it is up, or list the index in NO_PROXY';

/** Whether the environment names a proxy: then "refused" or "timed out" may be the proxy's doing, not the index's. */
function proxyConfigured(): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => (process.env[name] ?? '') !== '');
}

function classifyCode(code: string | undefined): Classified {
  switch (code) {
    case 'ENOTFOUND':
      return { code: 'INDEX_NETWORK', what: 'DNS lookup failed (no such host)', retryable: false, unreachable: true };
    case 'EAI_AGAIN':
      return { code: 'INDEX_NETWORK', what: 'DNS lookup failed (temporary)', retryable: true, unreachable: true };
    case 'ECONNREFUSED':
      return { code: 'INDEX_NETWORK', what: 'connection refused', retryable: true, unreachable: true };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { code: 'INDEX_NETWORK', what: 'connection reset or closed by the server', retryable: true };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return { code: 'INDEX_BODY', what: 'response shorter than its Content-Length', retryable: true };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { code: 'INDEX_TIMEOUT', what: 'connecting timed out', retryable: false, unreachable: true };
    case 'UND_ERR_PRX_CONN':
    case 'UND_ERR_PRX_TLS':
      return { code: 'INDEX_NETWORK', what: 'proxy connection failed', retryable: false, unreachable: true, hint: 'check HTTPS_PROXY / HTTP_PROXY / NO_PROXY' };
  }
  if (code !== undefined && TLS_CODE.test(code)) {
    return { code: 'INDEX_NETWORK', what: `TLS failure (${code})`, retryable: false, unreachable: true, hint: CA_HINT };
  }
  return { code: 'INDEX_NETWORK', what: `network error${code === undefined ? '' : ` (${code})`}`, retryable: false };
}

function describeCause(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Bound what an error from the wire can make us print.
  return message.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200);
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

export class HttpClient {
  readonly #s: Settings;
  readonly #dispatcher: Dispatcher;
  readonly #sockets = new OpenSockets();
  /** Origins that could not be reached after all retries: later requests fail fast instead of each waiting out its own back-off. */
  readonly #down = new Map<string, PylockAttestError>();

  constructor(opts: HttpOptions) {
    this.#s = { ...DEFAULTS, ...definedOnly(opts), userAgent: opts.userAgent };
    this.#dispatcher = createDispatcher(this.#s, this.#sockets);
  }

  /**
   * GET `url` with `Accept: accept`. Statuses other than 3xx/408/429/5xx come back as responses.
   * `conditional.ifNoneMatch` revalidates a cached copy: a 304 comes back as a response too.
   */
  async get(url: string, accept: string, conditional: Conditional = {}): Promise<HttpResponse> {
    const want: Want = { accept, ...conditional };
    let target = toTarget(url);
    const budgetEnds = Date.now() + this.#s.totalTimeoutMs;
    for (let hops = 0; ; hops++) {
      const res = await this.#withBreaker(target, want, budgetEnds);
      if (!isRedirect(res.status) || res.headers['location'] === undefined) return res;
      if (hops >= MAX_REDIRECTS) {
        throw new PylockAttestError('INDEX_HTTP', `too many redirects (more than ${MAX_REDIRECTS}) from ${redactUrl(url)}`);
      }
      target = redirectTarget(target, res.headers['location']);
    }
  }

  async #withBreaker(target: Target, want: Want, budgetEnds: number): Promise<HttpResponse> {
    const origin = target.url.origin;
    const down = this.#down.get(origin);
    if (down !== undefined) {
      const location = down.hint === undefined ? {} : { hint: down.hint };
      throw new PylockAttestError(down.code, `not tried: ${origin} could not be reached earlier in this run (${down.message})`, location, { cause: down });
    }
    try {
      const res = await this.#withRetries(target, want, budgetEnds);
      this.#down.delete(origin);
      return res;
    } catch (err) {
      if (err instanceof PylockAttestError && UNREACHABLE.has(err)) this.#down.set(origin, err);
      throw err;
    }
  }

  /**
   * Ends the run's connections. Every `get` has settled by now, so whatever
   * undici still holds was abandoned at a timeout or the deadline (a connect
   * to a proxy that never answers): destroyed, not waited for.
   */
  async close(): Promise<void> {
    await this.#dispatcher.destroy();
    this.#sockets.destroyAll();
  }

  async #withRetries(target: Target, want: Want, budgetEnds: number): Promise<HttpResponse> {
    let last: PylockAttestError | undefined;
    for (let attempt = 0; ; attempt++) {
      let outcome: HttpResponse | Retryable;
      try {
        outcome = await this.#attempt(target, want);
      } catch (err) {
        throw last === undefined ? err : afterFailures(err, last, attempt);
      }
      if (!('error' in outcome)) return outcome;
      if (attempt >= this.#s.retries) throw gaveUp(outcome.error, attempt + 1);
      last = outcome.error;
      await this.#pause(outcome, attempt, budgetEnds);
    }
  }

  /** Waits before the next attempt, or throws when waiting would break a bound. */
  async #pause(outcome: Retryable, attempt: number, budgetEnds: number): Promise<void> {
    const { retryAfterMs } = outcome;
    if (retryAfterMs !== undefined && retryAfterMs > this.#s.maxRetryDelayMs) {
      // A server asking for minutes: fail now rather than hang the run.
      const secs = Math.ceil(retryAfterMs / 1000);
      throw new PylockAttestError(
        'INDEX_HTTP',
        `${outcome.error.message}; the index asks to retry after ${secs} s, longer than we wait`,
        {},
        { cause: outcome.error },
      );
    }
    const delay = retryAfterMs ?? backoffMs(attempt, this.#s.retryBaseMs, this.#s.maxRetryDelayMs);
    if (Date.now() + delay > budgetEnds) throw gaveUp(outcome.error, attempt + 1);
    try {
      await sleep(delay, undefined, this.#s.deadline === undefined ? {} : { signal: this.#s.deadline });
    } catch (cause) {
      const location = outcome.error.hint === undefined ? {} : { hint: outcome.error.hint };
      throw new PylockAttestError('INDEX_TIMEOUT', `run deadline reached while waiting to retry: ${outcome.error.message}`, location, { cause });
    }
  }

  /** One request: a response, or a retryable failure; throws what must not be retried. */
  async #attempt(target: Target, want: Want): Promise<HttpResponse | Retryable> {
    const shown = target.url.origin + target.path;
    if (this.#s.deadline?.aborted === true) {
      throw new PylockAttestError('INDEX_TIMEOUT', `run deadline reached before GET ${shown}`);
    }
    this.#s.onRequest?.({ method: 'GET', url: shown });
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new AttemptTimeout()), this.#s.timeoutMs);
    const signal = this.#s.deadline === undefined ? timer.signal : AbortSignal.any([timer.signal, this.#s.deadline]);
    const progress = { inBody: false };
    try {
      return await this.#send(target, want, signal, shown, progress);
    } catch (err) {
      return this.#failure(err, shown, timer.signal, progress.inBody);
    } finally {
      clearTimeout(timeout);
    }
  }

  async #send(target: Target, want: Want, signal: AbortSignal, shown: string, progress: { inBody: boolean }): Promise<HttpResponse | Retryable> {
    const sent = this.#dispatcher.request({
      origin: target.url.origin,
      path: target.path,
      method: 'GET',
      headers: requestHeaders(this.#s.userAgent, want, target.authorization),
      signal,
    });
    const res = await untilAborted(sent, signal);
    progress.inBody = true;
    const headers = flattenHeaders(res.headers);
    if (isRetryableStatus(res.statusCode)) {
      await res.body.dump({ signal, limit: 64 * 1024 }).catch(() => undefined);
      return httpFailure(res.statusCode, headers, shown);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.#s.maxBodyBytes) {
      res.body.destroy();
      throw tooLarge(shown, this.#s.maxBodyBytes);
    }
    const body = await readCapped(res.body, this.#s.maxBodyBytes, shown);
    return { status: res.statusCode, url: shown, headers, body };
  }

  /** Maps a thrown error to a retryable outcome, or throws it as a PylockAttestError. */
  #failure(err: unknown, shown: string, attemptSignal: AbortSignal, inBody: boolean): Retryable {
    if (err instanceof PylockAttestError) throw err;
    if (this.#s.deadline?.aborted === true) {
      throw new PylockAttestError('INDEX_TIMEOUT', `run deadline reached during GET ${shown}`, {}, { cause: err });
    }
    if (attemptSignal.aborted) {
      // Covers a server that never answers and one that drips bytes slowly.
      throw new PylockAttestError('INDEX_TIMEOUT', `no complete response within ${this.#s.timeoutMs} ms from ${shown}`, {}, { cause: err });
    }
    const c = classifyCode(errorCode(err));
    if (c.hint === undefined && c.unreachable === true && proxyConfigured()) c.hint = PROXY_HINT;
    const error =
      inBody && c.retryable
        ? new PylockAttestError('INDEX_BODY', `response body truncated (${c.what}) from ${shown}`, {}, { cause: err })
        : new PylockAttestError(c.code, `${c.what}: GET ${shown}: ${describeCause(err)}`, c.hint === undefined ? {} : { hint: c.hint }, { cause: err });
    if (c.unreachable === true && !inBody) UNREACHABLE.add(error);
    if (c.retryable) return { error };
    throw error;
  }
}

/**
 * One dispatcher for the run: keep-alive pools per origin, and HTTPS_PROXY /
 * HTTP_PROXY / NO_PROXY honoured the way curl users expect. Every phase
 * undici runs on its own is bounded too, so an abandoned connect ends soon
 * after its attempt did: the TCP connect and TLS handshake (to the index, to
 * the proxy, and through the CONNECT tunnel: `connectTimeout` is what
 * ProxyAgent reads) and the proxy's answer to CONNECT (`clientFactory`: the
 * proxy's pool otherwise waits 300 s for it).
 */
function createDispatcher(s: Settings, sockets: OpenSockets): Dispatcher {
  const connectMs = Math.min(s.timeoutMs, 10_000);
  const timeouts = { headersTimeout: s.timeoutMs, bodyTimeout: s.timeoutMs };
  return new EnvHttpProxyAgent({
    connections: s.connections,
    keepAliveTimeout: 10_000,
    ...timeouts,
    connectTimeout: connectMs,
    // Direct connections (ProxyAgent replaces this with its tunnel).
    connect: sockets.track(buildConnector({ timeout: connectMs, lookup: guardedLookup(s.userNamedHosts ?? []) })),
    // The connection to an HTTPS_PROXY, which becomes the CONNECT tunnel.
    clientFactory: (origin: URL, opts: object) => {
      const { connect } = opts as { connect?: buildConnector.connector };
      return new Pool(origin, { ...opts, ...timeouts, ...(connect === undefined ? {} : { connect: sockets.track(connect) }) });
    },
  });
}

/**
 * Sockets undici opens that can outlive our interest in them: undici lets a
 * connect it has started (a stalled TLS handshake, a tunnel whose far end
 * never answers) run to its connect timeout even after the dispatcher is
 * destroyed. close() ends them at once. undici's connectors return the
 * socket they start (its types say void); anything else is not tracked and
 * ends at the connect timeout.
 */
class OpenSockets {
  readonly #live = new Set<Socket>();

  track(connect: buildConnector.connector): buildConnector.connector {
    return (options, callback) => {
      const socket: unknown = (connect as (...args: Parameters<buildConnector.connector>) => unknown)(options, callback);
      if (!(socket instanceof Socket) || socket.destroyed) return;
      this.#live.add(socket);
      socket.once('close', () => this.#live.delete(socket));
    };
  }

  destroyAll(): void {
    for (const socket of this.#live) socket.destroy();
    this.#live.clear();
  }
}

/**
 * Settles when `signal` aborts, whatever undici is doing. undici acts on an
 * abort only once the request holds a connection, so a request queued
 * behind a connect that never completes (a proxy that accepts and never
 * answers CONNECT, a TLS handshake that stalls) would wait with it. undici
 * drops the abandoned request when that connect ends; close() destroys it.
 */
function untilAborted(sent: Promise<Dispatcher.ResponseData>, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    sent.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted)
          res.body.destroy(); // too late: nobody reads it
        else resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function definedOnly(opts: HttpOptions): Partial<Settings> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out as Partial<Settings>;
}

function requestHeaders(userAgent: string, want: Want, authorization: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': userAgent, accept: want.accept };
  if (want.ifNoneMatch !== undefined) headers['if-none-match'] = want.ifNoneMatch;
  if (authorization !== undefined) headers['authorization'] = authorization;
  return headers;
}

/**
 * The run deadline struck during a retry: "deadline reached" alone would hide
 * why we were retrying, so the earlier failure goes along.
 */
function afterFailures(err: unknown, last: PylockAttestError, failed: number): unknown {
  if (!(err instanceof PylockAttestError) || err.code !== 'INDEX_TIMEOUT') return err;
  const location = last.hint === undefined ? {} : { hint: last.hint };
  return new PylockAttestError(
    'INDEX_TIMEOUT',
    `${err.message}, retrying after ${failed} failed attempt${failed === 1 ? '' : 's'}: ${last.message}`,
    location,
    { cause: err },
  );
}

function gaveUp(error: PylockAttestError, attempts: number): PylockAttestError {
  if (attempts === 1) return error;
  const location = error.hint === undefined ? {} : { hint: error.hint };
  const final = new PylockAttestError(error.code, `${error.message} (gave up after ${attempts} attempts)`, location, { cause: error.cause });
  if (UNREACHABLE.has(error)) UNREACHABLE.add(final);
  return final;
}

function httpFailure(status: number, headers: Record<string, string>, shown: string): Retryable {
  const what = status === 429 ? 'rate limited (HTTP 429)' : `HTTP ${status}`;
  const hint = status === 429 ? 'lower the concurrency, or try again later' : 'the index is failing; try again later';
  const error = new PylockAttestError('INDEX_HTTP', `${what} from ${shown}`, { hint });
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  return retryAfterMs === undefined ? { error } : { error, retryAfterMs };
}

function tooLarge(shown: string, cap: number): PylockAttestError {
  return new PylockAttestError('INDEX_BODY', `response body larger than ${cap} bytes from ${shown}`, {
    hint: 'an index answer this large is not a provenance object or a project page; check the index URL',
  });
}

/** Reads a body, aborting as soon as it passes the cap (a hostile index can stream forever). */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, cap: number, shown: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > cap) {
      body.destroy();
      throw tooLarge(shown, cap);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The next hop of a redirect. Same origin only: a cross-origin hop would
 * carry our Authorization header to someone else, and https→http would let
 * anyone on the path answer for the index.
 */
function redirectTarget(from: Target, location: string): Target {
  let next: URL;
  try {
    next = new URL(location, from.url);
  } catch (cause) {
    throw new PylockAttestError('INDEX_HTTP', `invalid redirect Location from ${from.url.origin}${from.path}`, {}, { cause });
  }
  const shownFrom = from.url.origin + from.path;
  if (from.url.protocol === 'https:' && next.protocol !== 'https:') {
    throw new PylockAttestError('INDEX_HTTP', `refusing redirect from https to ${next.protocol.replace(':', '')}: ${shownFrom} -> ${redactUrl(next)}`);
  }
  if (next.origin !== from.url.origin) {
    throw new PylockAttestError('INDEX_HTTP', `refusing cross-origin redirect ${shownFrom} -> ${redactUrl(next)}`, {
      hint: 'configure the index URL the redirect points to, if you trust it',
    });
  }
  const target = toTarget(next.href);
  return { ...target, authorization: target.authorization ?? from.authorization };
}
