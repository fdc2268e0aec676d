/**
 * HttpClient under faults: every one of them against a real loopback server
 * (or a loopback TLS server / CONNECT proxy made here). Assertions are on
 * error codes and attempt counts; the only timing assertion is a lower bound
 * (Retry-After), which cannot flake.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type HttpOptions } from '../src/net/http.js';
import { isPylockAttestError, type ErrorCode } from '../src/errors.js';
import { startFakeIndex, type Fault, type FakeIndex } from './support/fake-index.js';
import { makeLoopbackCert } from './support/tls-cert.ts';

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy'];
for (const name of PROXY_VARS) delete process.env[name];

const JSON_ACCEPT = 'application/json';
let index: FakeIndex;
const clients: HttpClient[] = [];

beforeAll(async () => {
  index = await startFakeIndex({ files: [] });
});
afterAll(async () => {
  await index.close();
});
afterEach(async () => {
  index.setFault(undefined);
  index.requests.length = 0;
  while (clients.length > 0) await clients.pop()!.close();
});

/** A client with tiny back-off, counting attempts; `localhost` is the user's own index here (the TLS servers' name). */
function client(opts: Partial<HttpOptions> = {}): { http: HttpClient; attempts: string[] } {
  const attempts: string[] = [];
  const http = new HttpClient({
    userAgent: 'pylock-attest/test',
    retryBaseMs: 1,
    timeoutMs: 5_000,
    userNamedHosts: ['localhost'],
    onRequest: (i) => attempts.push(i.url),
    ...opts,
  });
  clients.push(http);
  return { http, attempts };
}

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (isPylockAttestError(err)) return err.code;
    throw err;
  }
}

const ok: Fault = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
const url = (path = '/x') => `${index.origin}${path}`;

// ---------------------------------------------------------------------------

describe('status codes and retries', () => {
  it('returns 4xx other than 408/429 to the caller without retrying', async () => {
    for (const status of [400, 401, 403, 404, 406, 410]) {
      const { http, attempts } = client();
      index.setFault(() => ({ status }));
      expect((await http.get(url(`/s${status}`), JSON_ACCEPT)).status).toBe(status);
      expect(attempts).toHaveLength(1);
    }
  });

  it('retries a burst of 500/502/503 and then succeeds', async () => {
    const { http, attempts } = client();
    const burst = [500, 502, 503];
    index.setFault(({ attempt }) => (attempt <= burst.length ? { status: burst[attempt - 1]! } : ok));
    const res = await http.get(url(), JSON_ACCEPT);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('{"ok":true}');
    expect(attempts).toHaveLength(4);
  });

  it('gives up with INDEX_HTTP after retries+1 attempts', async () => {
    const { http, attempts } = client({ retries: 2 });
    index.setFault(() => ({ status: 500, body: 'oops' }));
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_HTTP');
    expect(attempts).toHaveLength(3);
  });

  it('retries 408 and 429 without Retry-After', async () => {
    const { http, attempts } = client();
    index.setFault(({ attempt }) => (attempt === 1 ? { status: 408 } : attempt === 2 ? { status: 429 } : ok));
    expect((await http.get(url(), JSON_ACCEPT)).status).toBe(200);
    expect(attempts).toHaveLength(3);
  });

  it('honours Retry-After in seconds', async () => {
    const { http, attempts } = client();
    const seen: number[] = [];
    index.setFault(({ attempt }) => {
      seen.push(Date.now());
      return attempt === 1 ? { status: 429, headers: { 'retry-after': '1' } } : ok;
    });
    expect((await http.get(url(), JSON_ACCEPT)).status).toBe(200);
    expect(attempts).toHaveLength(2);
    // A lower bound only: sleeping can be late, never early.
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(950);
  });

  it('honours Retry-After as an HTTP-date (in the past: retry at once)', async () => {
    const { http, attempts } = client({ retryBaseMs: 60_000 });
    index.setFault(({ attempt }) => (attempt === 1 ? { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } } : ok));
    expect((await http.get(url(), JSON_ACCEPT)).status).toBe(200);
    expect(attempts).toHaveLength(2);
  });

  it('fails at once when Retry-After is beyond the cap, rather than hang', async () => {
    const { http, attempts } = client({ maxRetryDelayMs: 2_000 });
    index.setFault(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_HTTP');
    expect(attempts).toHaveLength(1);
  });

  it('stops retrying when the next wait would pass the total budget', async () => {
    const { http, attempts } = client({ retryBaseMs: 5_000, totalTimeoutMs: 1_000 });
    index.setFault(() => ({ status: 502 }));
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_HTTP');
    expect(attempts).toHaveLength(1);
  });

  it('stops a back-off sleep at the run deadline', async () => {
    const deadline = new AbortController();
    const { http, attempts } = client({ retryBaseMs: 60_000, deadline: deadline.signal });
    // The deadline is counted from the 503, not from a clock started before the request could be made.
    index.setFault(() => {
      setTimeout(() => deadline.abort(), 200);
      return { status: 503 };
    });
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_TIMEOUT');
    expect(attempts).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------

describe('connections, deadlines and bodies', () => {
  it('retries a reset before any response, then reports INDEX_NETWORK', async () => {
    const { http, attempts } = client({ retries: 2 });
    index.setFault(() => ({ kind: 'reset' }));
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_NETWORK');
    expect(attempts).toHaveLength(3);
  });

  it('retries a reset mid-body and succeeds', async () => {
    const { http, attempts } = client();
    index.setFault(({ attempt }) => (attempt === 1 ? { kind: 'reset', partialBody: '{"version": 1, "atte' } : ok));
    expect((await http.get(url(), JSON_ACCEPT)).body.toString()).toBe('{"ok":true}');
    expect(attempts).toHaveLength(2);
  });

  it('reports a body that keeps getting cut off as INDEX_BODY', async () => {
    const { http, attempts } = client({ retries: 1 });
    index.setFault(() => ({ kind: 'reset', partialBody: '{"version": 1, "atte' }));
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_BODY');
    expect(attempts).toHaveLength(2);
  });

  it('retries a refused connection, then reports INDEX_NETWORK', async () => {
    const closed = await startFakeIndex({ files: [] });
    const dead = closed.origin;
    await closed.close();
    const { http, attempts } = client({ retries: 1 });
    expect(await codeOf(http.get(`${dead}/x`, JSON_ACCEPT))).toBe('INDEX_NETWORK');
    expect(attempts).toHaveLength(2);
    // The origin is now known to be down: later requests fail fast, without attempts of their own.
    expect(await codeOf(http.get(`${dead}/y`, JSON_ACCEPT))).toBe('INDEX_NETWORK');
    expect(attempts).toHaveLength(2);
  });

  it('times out a server that accepts and never answers', async () => {
    const { http, attempts } = client({ timeoutMs: 300 });
    index.setFault(() => ({ kind: 'hang' }));
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_TIMEOUT');
    expect(attempts).toHaveLength(1);
  });

  it('times out a slow drip: the deadline covers the body too', async () => {
    const { http } = client({ timeoutMs: 300 });
    index.setFault(() => ({ kind: 'drip', intervalMs: 50, body: '{"version": 1, "attestation_bundles": []}'.repeat(4) }));
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_TIMEOUT');
  });

  it('stops at the overall run deadline', async () => {
    const deadline = new AbortController();
    const { http, attempts } = client({ timeoutMs: 60_000, deadline: deadline.signal });
    index.setFault(() => {
      setImmediate(() => deadline.abort()); // once the request is at the server
      return { kind: 'hang' };
    });
    expect(await codeOf(http.get(url(), JSON_ACCEPT))).toBe('INDEX_TIMEOUT');
    expect(attempts).toHaveLength(1);
  });

  it('refuses a 50 MB body, whether announced by Content-Length or streamed', async () => {
    for (const chunked of [false, true]) {
      const { http, attempts } = client({ maxBodyBytes: 1024 * 1024 });
      index.setFault(() => ({ kind: 'big', bytes: 50 * 1024 * 1024, chunked }));
      expect(await codeOf(http.get(url(`/big-${chunked}`), JSON_ACCEPT))).toBe('INDEX_BODY');
      expect(attempts).toHaveLength(1);
    }
  });

  it('returns response headers lower-cased, and the final URL without credentials', async () => {
    const { http } = client();
    index.setFault(() => ({ status: 200, headers: { 'Content-Type': 'application/json', ETag: '"x"' }, body: '{}' }));
    const res = await http.get(url('/a?b=1').replace('http://', 'http://u:p@'), JSON_ACCEPT);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['etag']).toBe('"x"');
    expect(res.url).toBe(url('/a?b=1'));
  });
});

// ---------------------------------------------------------------------------

describe('redirects', () => {
  it('follows a same-origin redirect and keeps credentials for it', async () => {
    const { http, attempts } = client();
    index.setFault(({ path }) => (path === '/old' ? { kind: 'redirect', location: '/new', status: 301 } : ok));
    const res = await http.get(url('/old').replace('http://', 'http://u:p@'), JSON_ACCEPT);
    expect(res.status).toBe(200);
    expect(res.url).toBe(url('/new'));
    expect(attempts).toHaveLength(2);
    expect(index.requests.map((r) => r.headers['authorization'])).toEqual(['Basic dTpw', 'Basic dTpw']);
  });

  it('stops a redirect loop after 5 hops', async () => {
    const { http, attempts } = client();
    index.setFault(({ path }) => ({ kind: 'redirect', location: path === '/a' ? '/b' : '/a' }));
    expect(await codeOf(http.get(url('/a'), JSON_ACCEPT))).toBe('INDEX_HTTP');
    expect(attempts).toHaveLength(6);
  });

  it('refuses a redirect to another origin, so credentials stay home', async () => {
    const other = await startFakeIndex({ files: [] });
    try {
      const { http } = client();
      index.setFault(() => ({ kind: 'redirect', location: `${other.origin}/steal` }));
      expect(await codeOf(http.get(url('/x').replace('http://', 'http://u:p@'), JSON_ACCEPT))).toBe('INDEX_HTTP');
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

// ---------------------------------------------------------------------------
// TLS, proxies and DNS

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const trusted = makeLoopbackCert('trusted-test-ca');
const untrusted = makeLoopbackCert('untrusted-test-ca');
trusted?.cleanup();
untrusted?.cleanup();
const canTrust = trusted !== undefined && untrusted !== undefined && typeof tls.setDefaultCACertificates === 'function';

describe.skipIf(!canTrust)('TLS and proxies (openssl-made loopback certificates)', () => {
  let httpsServer: Server;
  let untrustedServer: Server;
  let proxy: Server;
  let httpsPort = 0;
  let untrustedPort = 0;
  let proxyPort = 0;
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Like NODE_EXTRA_CA_CERTS, but settable inside this worker.
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), trusted!.cert]);
    httpsServer = createHttpsServer({ key: trusted!.key, cert: trusted!.cert }, (req, res) => {
      if (req.url === '/to-http') {
        res.writeHead(302, { location: `${index.origin}/x` });
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"tls":true}');
    });
    untrustedServer = createHttpsServer({ key: untrusted!.key, cert: untrusted!.cert }, (_req, res) => res.end('{}'));
    proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, client: Socket) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host === 'localhost' ? '127.0.0.1' : host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
    });
    httpsPort = await listen(httpsServer);
    untrustedPort = await listen(untrustedServer);
    proxyPort = await listen(proxy);
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all([closeServer(httpsServer), closeServer(untrustedServer), closeServer(proxy)]);
  });

  it('speaks https to a trusted loopback server', async () => {
    const { http } = client();
    expect((await http.get(`https://localhost:${httpsPort}/`, JSON_ACCEPT)).body.toString()).toBe('{"tls":true}');
  });

  it('reports a certificate it cannot verify as INDEX_NETWORK, without retrying', async () => {
    const { http, attempts } = client();
    expect(await codeOf(http.get(`https://localhost:${untrustedPort}/`, JSON_ACCEPT))).toBe('INDEX_NETWORK');
    expect(attempts).toHaveLength(1);
  });

  it('refuses a redirect from https down to http', async () => {
    const { http } = client();
    expect(await codeOf(http.get(`https://localhost:${httpsPort}/to-http`, JSON_ACCEPT))).toBe('INDEX_HTTP');
    expect(index.requests).toHaveLength(0);
  });

  it('tunnels through HTTPS_PROXY with CONNECT', async () => {
    process.env['HTTPS_PROXY'] = `http://127.0.0.1:${proxyPort}`;
    try {
      const { http } = client();
      tunnels.length = 0;
      expect((await http.get(`https://localhost:${httpsPort}/`, JSON_ACCEPT)).status).toBe(200);
      expect(tunnels).toEqual([`localhost:${httpsPort}`]);
    } finally {
      delete process.env['HTTPS_PROXY'];
    }
  });

  it('skips the proxy for hosts in NO_PROXY', async () => {
    process.env['HTTPS_PROXY'] = `http://127.0.0.1:${proxyPort}`;
    process.env['NO_PROXY'] = 'localhost';
    try {
      const { http } = client();
      tunnels.length = 0;
      expect((await http.get(`https://localhost:${httpsPort}/`, JSON_ACCEPT)).status).toBe(200);
      expect(tunnels).toEqual([]);
    } finally {
      delete process.env['HTTPS_PROXY'];
      delete process.env['NO_PROXY'];
    }
  });
});

describe('DNS', () => {
  // `.invalid` never resolves (RFC 6761); the resolver fails locally or at the
  // first upstream, and nothing reaches a real index.
  it('reports a host that does not resolve as INDEX_NETWORK', async () => {
    const { http } = client({ retries: 0, timeoutMs: 10_000 });
    expect(await codeOf(http.get('https://pylock-attest-test.invalid/simple/', JSON_ACCEPT))).toBe('INDEX_NETWORK');
  });
});

describe('URL rules', () => {
  it('refuses plain http to a non-loopback host before sending anything', async () => {
    const { http, attempts } = client();
    expect(await codeOf(http.get('http://example.com/simple/', JSON_ACCEPT))).toBe('INDEX_URL');
    expect(attempts).toHaveLength(0);
  });
});
