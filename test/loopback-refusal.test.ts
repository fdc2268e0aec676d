/**
 * A remote index must not aim us at this machine or its link, through the
 * built CLI with verification on.
 *
 * - By spelling: the index `https://index.example/simple` (a loopback TLS
 *   index behind a proxy that tunnels every CONNECT to it, so the name is
 *   remote to us) advertises provenance on each host of
 *   test/support/local-hosts.ts, one project per host, in one run. Each is
 *   refused before any request; a control project on the index's own host
 *   verifies in the same run, so the refusals are not a broken setup.
 * - By resolution: a loopback index advertises `localhost`, a name nobody
 *   chose that resolves here: refused at connect time, unless
 *   --allow-index-host names it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hits, LOCK, SDIST, startFaultLab, WHEEL, type FaultLab } from './support/fault-lab.ts';
import { LOCAL_HOSTS } from './support/local-hosts.ts';
import { BUILT, NOT_BUILT } from './support/run-cli.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';
import { makeLoopbackCert, OPENSSL_MISSING } from './support/tls-cert.ts';
import { expectUntouched } from './faults/fault-checks.ts';

const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
const HOSTILE_SHA = 'ee'.repeat(32);

/** A project page listing `files` ([filename, sha256, provenance URL]). */
function page(files: Array<[string, string, string]>): { status: number; headers: Record<string, string>; body: string } {
  const listed = files.map(([filename, sha256, provenance]) => ({ filename, hashes: { sha256 }, provenance }));
  return { status: 200, headers: { 'content-type': SIMPLE_JSON }, body: JSON.stringify({ meta: { 'api-version': '1.1' }, files: listed }) };
}

/** The demo package's page with its provenance on `origin` (the fault lab serves it at this path). */
function demoPage(origin: string) {
  return page([SDIST, WHEEL].map((f) => [f.filename, f.sha256, `${origin}/provenance/demo/1.0/${f.filename}`]));
}

const cert = makeLoopbackCert('pylock-attest-test', ['index.example']);
afterAll(() => cert?.cleanup());

describe.skipIf(!BUILT || cert === undefined)(`provenance URLs a remote index advertises on this machine${!BUILT ? ` (${NOT_BUILT})` : cert === undefined ? ` (${OPENSSL_MISSING})` : ''}`, () => {
  let lab: FaultLab;
  let proxy: TcpProxy;
  beforeAll(async () => {
    lab = await startFaultLab({ tls: { key: cert!.key, cert: cert!.cert } });
    proxy = await startTcpProxy({ kind: 'tunnel', port: Number(new URL(lab.index.origin).port) });
  });
  afterAll(async () => {
    await proxy?.close();
    await lab?.close();
  });

  // One project per hostile host: p0 advertises LOCAL_HOSTS[0], and so on; plus a scheme-relative one.
  const advertised = [...LOCAL_HOSTS.map(([host, kind]) => [`https://${host}/provenance/x`, kind] as const), ['//0.0.0.0/provenance/x', 'unspecified'] as const];

  it("every spelling is refused before any request, while the index's own host verifies: exit 3, file untouched", async () => {
    const projects = advertised.map((_, i) => `p${i}`);
    const text = LOCK + projects.map((p) => `\n[[packages]]\nname = "${p}"\nversion = "1.0"\nsdist = { url = "https://files.example/${p}-1.0.tar.gz", hashes = { sha256 = "${HOSTILE_SHA}" } }\n`).join('');
    const path = join(lab.dir, 'advertised-local.toml');
    writeFileSync(path, text);
    lab.index.setFault(({ path: p }) => {
      if (p === '/simple/demo/') return demoPage('https://index.example');
      const i = /^\/simple\/p(\d+)\/$/.exec(p)?.[1];
      return i === undefined ? undefined : page([[`p${i}-1.0.tar.gz`, HOSTILE_SHA, advertised[Number(i)]![0]]]);
    });
    const env = { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: cert!.certFile };
    const run = await lab.enrich(path, ['--index-url', 'https://index.example/simple'], { env });

    expect(run.code, run.stderr).toBe(3);
    const [demo, ...hostile] = run.report.lockfiles[0].packages;
    expect(demo.files.map((f: any) => f.status)).toEqual(['verified', 'verified']);
    expect(hostile).toHaveLength(advertised.length);
    hostile.forEach((pkg: any, i: number) => {
      const [url, kind] = advertised[i]!;
      expect(pkg.files[0], url).toMatchObject({ status: 'unavailable', code: 'INDEX_URL' });
      expect(pkg.files[0].detail, url).toContain(`a remote index points at this machine (${kind} address)`);
    });
    // Nothing but the pages and demo's two documents was asked for, and every tunnel went to the index.
    expect(hits(lab.index, '/provenance/')).toBe(2);
    expect(new Set(proxy.requests)).toEqual(new Set(['CONNECT index.example:443 HTTP/1.1']));
    expect(lab.index.requests.length).toBe(1 + projects.length + 2);
    expect(run.report.lockfiles[0].written).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});

describe.skipIf(!BUILT)(`a name that resolves to this machine${BUILT ? '' : ` (${NOT_BUILT})`}`, () => {
  let lab: FaultLab;
  beforeAll(async () => {
    lab = await startFaultLab();
    // The loopback index (chosen by the user as 127.0.0.1) advertises its documents under the name `localhost`.
    lab.index.setFault(({ path }) => (path === '/simple/demo/' ? demoPage(lab.index.origin.replace('127.0.0.1', 'localhost')) : undefined));
  });
  afterAll(() => lab?.close());

  it('nobody chose it: refused when connecting, nothing fetched, exit 3, file untouched', async () => {
    lab.index.requests.length = 0;
    const path = lab.lockfile('resolves-here.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl]);
    expect(run.code, run.stderr).toBe(3);
    for (const f of run.report.lockfiles[0].packages[0].files) {
      expect(f).toMatchObject({ status: 'unavailable', code: 'INDEX_URL' });
      expect(f.detail).toMatch(/localhost: it resolves to 127\.0\.0\.1, a loopback address/);
      expect(f.detail).toContain('--allow-index-host localhost');
    }
    expect(hits(lab.index, '/provenance/')).toBe(0);
    expectUntouched(path);
  });

  it('--allow-index-host localhost: the user chose it, the run verifies', async () => {
    const path = lab.lockfile('resolves-here-allowed.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl, '--allow-index-host', 'localhost']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.lockfiles[0].packages[0].files.map((f: any) => f.status)).toEqual(['verified', 'verified']);
  });
});
