/**
 * Proxies as a user configures them, through the built CLI: HTTPS_PROXY
 * (CONNECT tunnels to an https index), HTTP_PROXY (absolute-form requests to
 * an http loopback index), NO_PROXY, a proxy that is down, and proxy
 * credentials that must never be printed. The proxy is a loopback server
 * made here that records what went through it.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IDENTITY, identitiesIn, startFaultLab, type FaultLab } from './support/fault-lab.ts';
import { makeLoopbackCert, OPENSSL_MISSING } from './support/tls-cert.ts';
import { expectCouldNotComplete } from './faults/fault-checks.ts';

interface LoopbackProxy {
  url: string;
  /** `host:port` of every CONNECT tunnel, and the absolute URL of every forwarded request. */
  tunnels: string[];
  forwarded: string[];
  /** Proxy-Authorization headers seen. */
  auth: Array<string | undefined>;
  close(): Promise<void>;
}

async function startProxy(): Promise<LoopbackProxy> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  const auth: Array<string | undefined> = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // An absolute-form request (plain http through the proxy): forward it.
    forwarded.push(req.url ?? '');
    auth.push(req.headers['proxy-authorization']);
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket) => {
    tunnels.push(req.url ?? '');
    auth.push(req.headers['proxy-authorization']);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(client);
    track(upstream);
  });
  server.on('connection', track);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    forwarded,
    auth,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('HTTP_PROXY and NO_PROXY with an http loopback index', () => {
  let lab: FaultLab;
  let proxy: LoopbackProxy;
  beforeAll(async () => {
    lab = await startFaultLab();
    proxy = await startProxy();
  });
  afterAll(async () => {
    await proxy?.close();
    await lab?.close();
  });
  beforeEach(() => {
    proxy.forwarded.length = 0;
    proxy.tunnels.length = 0;
    proxy.auth.length = 0;
  });

  it('HTTP_PROXY: every request goes through the proxy, and the run completes', async () => {
    const path = lab.lockfile('http-proxy.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { HTTP_PROXY: proxy.url } });
    expect(run.code).toBe(0);
    expect(identitiesIn(path)).toEqual([IDENTITY]);
    expect(proxy.forwarded.length).toBeGreaterThanOrEqual(3); // the page and two provenance documents
    for (const url of proxy.forwarded) expect(url.startsWith(lab.index.origin)).toBe(true);
  });

  it('http_proxy (lower case) works the same', async () => {
    const path = lab.lockfile('http-proxy-lower.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { http_proxy: proxy.url } });
    expect(run.code).toBe(0);
    expect(proxy.forwarded.length).toBeGreaterThanOrEqual(3);
  });

  it('NO_PROXY naming the index host: the proxy is not used', async () => {
    const path = lab.lockfile('no-proxy.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
    expect(run.code).toBe(0);
    expect(proxy.forwarded).toEqual([]);
  });

  it('proxy credentials go to the proxy only, and are never printed', async () => {
    const path = lab.lockfile('proxy-auth.toml');
    const withAuth = proxy.url.replace('http://', 'http://proxyuser:pr0xy-s3cret@');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { HTTP_PROXY: withAuth } });
    expect(run.code).toBe(0);
    expect(proxy.auth.every((a) => a === `Basic ${Buffer.from('proxyuser:pr0xy-s3cret').toString('base64')}`)).toBe(true);
    expect(lab.index.requests.every((r) => r.headers['proxy-authorization'] === undefined)).toBe(true);
    expect(run.stdout + run.stderr).not.toMatch(/proxyuser|pr0xy-s3cret/);
  });

  it('a proxy that is down: exit 3, the cause says proxy, file untouched, credentials not printed', async () => {
    const down = await startProxy();
    const url = down.url.replace('http://', 'http://proxyuser:pr0xy-s3cret@');
    await down.close();
    const path = lab.lockfile('proxy-down.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl, '--deadline', '3'], { env: { HTTP_PROXY: url } });
    expectCouldNotComplete(run, path, ['INDEX_NETWORK', 'INDEX_TIMEOUT']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/proxy is configured/);
    expect(run.stdout + run.stderr).not.toMatch(/proxyuser|pr0xy-s3cret/);
  });
});

const cert = makeLoopbackCert();
afterAll(() => cert?.cleanup());

describe.skipIf(cert === undefined)(`HTTPS_PROXY with an https index (CONNECT)${cert === undefined ? ` (${OPENSSL_MISSING})` : ''}`, () => {
  let lab: FaultLab;
  let proxy: LoopbackProxy;
  let env: Record<string, string>;
  beforeAll(async () => {
    lab = await startFaultLab({ tls: { key: cert!.key, cert: cert!.cert } });
    proxy = await startProxy();
    env = { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: cert!.certFile };
  });
  afterAll(async () => {
    await proxy?.close();
    await lab?.close();
  });
  beforeEach(() => {
    proxy.tunnels.length = 0;
    proxy.forwarded.length = 0;
  });

  it('tunnels to the index through the proxy; TLS is end to end (the CA comes from NODE_EXTRA_CA_CERTS)', async () => {
    const path = lab.lockfile('https-proxy.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env });
    expect(run.code).toBe(0);
    expect(identitiesIn(path)).toEqual([IDENTITY]);
    const host = new URL(lab.index.origin).host;
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
    expect(new Set(proxy.tunnels)).toEqual(new Set([host]));
    expect(proxy.forwarded).toEqual([]); // nothing in clear text
  });

  it('NO_PROXY=* turns the proxy off for every host', async () => {
    const path = lab.lockfile('https-proxy-no-proxy.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { ...env, NO_PROXY: '*' } });
    expect(run.code).toBe(0);
    expect(proxy.tunnels).toEqual([]);
  });

  it('without the CA, the tunnel is made but the index certificate is refused: exit 3, file untouched', async () => {
    const path = lab.lockfile('https-proxy-untrusted.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { HTTPS_PROXY: proxy.url } });
    expectCouldNotComplete(run, path, ['INDEX_NETWORK']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/NODE_EXTRA_CA_CERTS/);
  });
});
