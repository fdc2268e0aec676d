/**
 * A real loopback HTTP server that plays a Python package index: the PEP 691
 * JSON Simple API with PEP 740 `provenance` URLs, PyPI's Integrity API, and
 * the provenance documents themselves, plus injectable faults.
 *
 * Used by the tests, the offline demo and the benchmarks, and run by plain
 * `node` with type stripping: erasable TypeScript only, no imports from src.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeFile {
  project: string;
  version: string;
  filename: string;
  sha256: string;
  /** JSON object served as provenance; null/undefined = none. */
  provenance?: unknown | null;
  /** Page values for this file (defaults: a /files/ URL, 1024, 2025-01-01, ">=3.9", not yanked); null leaves the key out. */
  url?: string | null;
  size?: number | null;
  uploadTime?: string | null;
  requiresPython?: string | null;
  yanked?: boolean | string;
  /** The provenance URL the page advertises, from the index's origin (default: this index's own /provenance/ URL). */
  advertise?: (origin: string) => string;
}

export type Fault =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  /** Without `partialBody`: reset before any response. With it: headers, those bytes, then a reset. */
  | { kind: 'reset'; partialBody?: string }
  | { kind: 'hang' }
  | { kind: 'drip'; intervalMs: number; body: string }
  | { kind: 'redirect'; location: string; status?: number }
  /** A body of `bytes` bytes; `chunked` leaves out Content-Length so only a streaming cap can stop it. */
  | { kind: 'big'; bytes: number; chunked?: boolean };

export interface FakeIndexOptions {
  files: FakeFile[];
  latencyMs?: number;
  /** Serve /integrity (default true). */
  integrity?: boolean;
  fault?: (req: { method: string; path: string; attempt: number }) => Fault | undefined;
  /** Serve HTTPS with this key and certificate (PEM); the origin is then https://127.0.0.1:PORT. */
  tls?: { key: string; cert: string };
  /** Seconds of `Cache-Control: max-age` on every 200 answer (default 600, PyPI's). */
  maxAge?: number;
}

export interface FakeIndex {
  /** http://127.0.0.1:PORT (https with the `tls` option) */
  origin: string;
  /** origin + '/simple' */
  simpleUrl: string;
  /** Every request as it arrived; `status` is set once its answer has been sent. */
  requests: Array<{ method: string; path: string; headers: Record<string, string | string[] | undefined>; status?: number }>;
  /** Replaces the fault injector and restarts attempt counting. */
  setFault(f: FakeIndexOptions['fault']): void;
  close(): Promise<void>;
}

const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
const INTEGRITY_JSON = 'application/vnd.pypi.integrity.v1+json';

interface Served {
  file: FakeFile;
  /** Serialized provenance, or undefined when the file has none. */
  body: Buffer | undefined;
}

function normalize(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/**
 * Close to what warehouse does with `packaging.utils.canonicalize_version`
 * when it looks a release up: case, a leading `v` and trailing `.0`s of the
 * release segment do not matter. An approximation, enough for tests.
 */
export function canonicalVersion(version: string): string {
  const v = version.trim().toLowerCase().replace(/^v/, '');
  return v.replace(/^(\d+(?:\.\d+)*?)(?:\.0+)+(?=$|[^.\d])/, '$1');
}

function encodeSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  return /^\.*$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}

function decodeSegments(path: string): string[] | undefined {
  try {
    return path.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** Does an Accept header admit `offer`? Wildcards and q=0 handled; enough for PyPI's two offers. */
function accepts(header: string | undefined, offer: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const [type, sub] = offer.split('/');
  return header.split(',').some((range) => {
    const [media = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) return false;
    const [t, s] = media.split('/');
    return (t === '*' || t === type) && (s === '*' || s === sub);
  });
}

class Index {
  byProject = new Map<string, Served[]>();
  pages = new Map<string, { body: Buffer; etag: string }>();
  origin = '';
  opts: FakeIndexOptions;

  constructor(opts: FakeIndexOptions) {
    this.opts = opts;
    for (const file of opts.files) this.add(file);
  }

  add(file: FakeFile): void {
    const body = file.provenance === null || file.provenance === undefined ? undefined : Buffer.from(JSON.stringify(file.provenance));
    const key = normalize(file.project);
    const list = this.byProject.get(key) ?? [];
    list.push({ file, body });
    this.byProject.set(key, list);
  }

  find(project: string, version: string, filename: string): Served | undefined {
    const list = this.byProject.get(normalize(project)) ?? [];
    const wanted = canonicalVersion(version);
    return list.find((s) => s.file.filename === filename && canonicalVersion(s.file.version) === wanted);
  }

  provenanceUrl(s: Served): string {
    const f = s.file;
    return `${this.origin}/provenance/${[normalize(f.project), f.version, f.filename].map(encodeSegment).join('/')}`;
  }

  page(project: string): { body: Buffer; etag: string } | undefined {
    const cached = this.pages.get(project);
    if (cached !== undefined) return cached;
    const list = this.byProject.get(project);
    if (list === undefined) return undefined;
    const body = Buffer.from(JSON.stringify(this.pageJson(project, list)));
    const page = { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` };
    this.pages.set(project, page);
    return page;
  }

  cacheControl(): string {
    return `max-age=${this.opts.maxAge ?? 600}`;
  }

  pageJson(project: string, list: Served[]): unknown {
    const files = list.map((s) => ({
      filename: s.file.filename,
      url: pageValue(s.file.url, `${this.origin}/files/${encodeSegment(s.file.filename)}`),
      hashes: { sha256: s.file.sha256 },
      'requires-python': pageValue(s.file.requiresPython, '>=3.9'),
      size: pageValue(s.file.size, 1024),
      'upload-time': pageValue(s.file.uploadTime, '2025-01-01T00:00:00.000000Z'),
      yanked: s.file.yanked ?? false,
      provenance: s.body === undefined ? null : (s.file.advertise?.(this.origin) ?? this.provenanceUrl(s)),
    }));
    const versions = [...new Set(list.map((s) => s.file.version))];
    return { meta: { 'api-version': '1.1' }, name: project, versions, files };
  }
}

/** A per-file page value: the default when not given, left out (undefined, dropped by JSON) when null. */
function pageValue<T>(value: T | null | undefined, fallback: T): T | undefined {
  return value === null ? undefined : (value ?? fallback);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer = ''): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
  res.end(buf);
}

/** A 200 with an ETag, or a bodiless 304 when the request's If-None-Match names it (as warehouse and its CDN do). */
function sendCacheable(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  body: Buffer,
  etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
): void {
  if (req.headers['if-none-match'] === etag) return send(res, 304, { ...headers, etag });
  send(res, 200, { ...headers, etag }, body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, type = 'application/json'): void {
  send(res, status, { 'content-type': type }, JSON.stringify(value));
}

function serveSimple(index: Index, req: IncomingMessage, res: ServerResponse, rest: string[]): void {
  const [name, trailing] = rest;
  if (name === undefined || trailing !== '' || rest.length !== 2) return sendJson(res, 404, { message: 'Not Found' });
  const project = normalize(name);
  // Like warehouse: non-normalized names redirect to the normalized page.
  if (project !== name) return send(res, 301, { location: `/simple/${encodeSegment(project)}/` });
  const page = index.page(project);
  if (page === undefined) return sendJson(res, 404, { message: 'Not Found' });
  if (!accepts(req.headers.accept, SIMPLE_JSON) || req.headers.accept === undefined) {
    // Like warehouse: without a JSON Accept the page is HTML.
    return send(res, 200, { 'content-type': 'text/html; charset=utf-8' }, `<!DOCTYPE html><html><body><h1>${project}</h1></body></html>`);
  }
  sendCacheable(req, res, { 'content-type': SIMPLE_JSON, 'cache-control': index.cacheControl(), vary: 'Accept' }, page.body, page.etag);
}

function serveIntegrity(index: Index, req: IncomingMessage, res: ServerResponse, rest: string[]): void {
  if (index.opts.integrity === false) return send(res, 404, { 'content-type': 'text/html' }, '<h1>Not Found</h1>');
  const [project, version, filename, tail] = rest;
  if (rest.length !== 4 || tail !== 'provenance' || project === undefined || version === undefined || filename === undefined) {
    return sendJson(res, 404, { message: 'Not Found' });
  }
  const offer = accepts(req.headers.accept, INTEGRITY_JSON) ? INTEGRITY_JSON : accepts(req.headers.accept, 'application/json') ? 'application/json' : undefined;
  if (offer === undefined) return sendJson(res, 406, { message: 'Request not acceptable' });
  const served = index.find(project, version, filename);
  if (served === undefined) return sendJson(res, 404, { message: 'Not Found' });
  if (served.body === undefined) return sendJson(res, 404, { message: `No provenance available for ${filename}` }, offer);
  sendCacheable(req, res, { 'content-type': offer, 'cache-control': index.cacheControl(), vary: 'Accept' }, served.body);
}

function serveProvenance(index: Index, req: IncomingMessage, res: ServerResponse, rest: string[]): void {
  const [project, version, filename] = rest;
  const served =
    rest.length === 3 && project !== undefined && version !== undefined && filename !== undefined ? index.find(project, version, filename) : undefined;
  if (served?.body === undefined) return sendJson(res, 404, { message: 'Not Found' });
  sendCacheable(req, res, { 'content-type': INTEGRITY_JSON, 'cache-control': index.cacheControl() }, served.body);
}

function route(index: Index, req: IncomingMessage, res: ServerResponse): void {
  const rawPath = (req.url ?? '/').split('?')[0]!;
  const segments = decodeSegments(rawPath);
  if (segments === undefined || segments[0] !== '' || req.method !== 'GET') return sendJson(res, 404, { message: 'Not Found' });
  const [, top, ...rest] = segments;
  if (top === 'simple') return serveSimple(index, req, res, rest);
  if (top === 'integrity') return serveIntegrity(index, req, res, rest);
  if (top === 'provenance') return serveProvenance(index, req, res, rest);
  sendJson(res, 404, { message: 'Not Found' });
}

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function drip(res: ServerResponse, intervalMs: number, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  let i = 0;
  const timer = setInterval(() => {
    if (res.destroyed || i >= body.length) {
      clearInterval(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(body[i++]!);
  }, intervalMs);
  res.on('close', () => clearInterval(timer));
}

/** Streams `bytes` bytes with back-pressure; stops as soon as the client goes away. */
function big(res: ServerResponse, bytes: number, chunked: boolean): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!chunked) headers['content-length'] = String(bytes);
  res.writeHead(200, headers);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
  if (!('kind' in fault)) return send(res, fault.status, fault.headers ?? {}, fault.body ?? '');
  switch (fault.kind) {
    case 'reset':
      if (fault.partialBody === undefined) return resetSocket(req.socket);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(fault.partialBody) + 1000) });
      res.write(fault.partialBody, () => setTimeout(() => resetSocket(req.socket), 10));
      return;
    case 'hang':
      return; // Accept the request, never answer; close() cleans up.
    case 'drip':
      return drip(res, fault.intervalMs, fault.body);
    case 'redirect':
      return send(res, fault.status ?? 302, { location: fault.location });
    case 'big':
      return big(res, fault.bytes, fault.chunked === true);
  }
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export async function startFakeIndex(opts: FakeIndexOptions): Promise<FakeIndex> {
  const index = new Index(opts);
  let fault = opts.fault;
  const attempts = new Map<string, number>();
  const requests: FakeIndex['requests'] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const entry: FakeIndex['requests'][number] = { method, path, headers: { ...req.headers } };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    const key = `${method} ${path}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const injected = fault?.({ method, path, attempt });
    const respond = (): void => (injected === undefined ? route(index, req, res) : applyFault(injected, req, res));
    if (opts.latencyMs !== undefined && opts.latencyMs > 0) setTimeout(respond, opts.latencyMs);
    else respond();
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    res.on('error', () => undefined);
    handle(req, res);
  };
  const serverOptions = { keepAliveTimeout: 30_000, requestTimeout: 0 };
  const server = opts.tls === undefined ? createServer(serverOptions, listener) : createHttpsServer({ ...serverOptions, ...opts.tls }, listener);
  // A client that rejects our certificate is part of the job too.
  server.on('tlsClientError', () => undefined);
  // Clients that reset or time out are part of the job; never crash on them.
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('connection', (socket) => socket.on('error', () => undefined));
  server.maxHeadersCount = 100;

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  index.origin = `${opts.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;

  return {
    origin: index.origin,
    simpleUrl: `${index.origin}/simple`,
    requests,
    setFault(f) {
      fault = f;
      attempts.clear(); // a new scenario: attempts count from 1 again
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
