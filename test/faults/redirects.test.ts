/**
 * Redirects from the index, through the built CLI: a loop, a hop to another
 * host, and a hop from https down to http. None is followed past its bound,
 * nothing reaches the other server, exit 3, and the lockfile is untouched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIndex, type FakeIndex } from '../support/fake-index.ts';
import { hits, startFaultLab, type FaultLab } from '../support/fault-lab.ts';
import { makeLoopbackCert, OPENSSL_MISSING } from '../support/tls-cert.ts';
import { expectCouldNotComplete, expectRecovered } from './fault-checks.ts';

describe('redirects, through the CLI', () => {
  let lab: FaultLab;
  let elsewhere: FakeIndex;
  let args: string[];
  beforeAll(async () => {
    lab = await startFaultLab();
    elsewhere = await startFakeIndex({ files: [] });
    args = ['--index-url', lab.index.simpleUrl];
  });
  afterAll(async () => {
    await elsewhere?.close();
    await lab?.close();
  });
  beforeEach(() => {
    lab.index.setFault(undefined);
    lab.index.requests.length = 0;
    elsewhere.requests.length = 0;
  });

  it('a same-origin redirect is followed and the run completes', async () => {
    lab.index.setFault(({ path }) =>
      path.startsWith('/provenance/') && !path.includes('moved=1') ? { kind: 'redirect', location: `${path}?moved=1`, status: 301 } : undefined,
    );
    const path = lab.lockfile('redirect-same-origin.toml');
    expectRecovered(await lab.enrich(path, args), path);
  });

  it('a redirect loop stops after 5 hops: exit 3, file untouched', async () => {
    lab.index.setFault(({ path }) =>
      path.startsWith('/simple/') ? { kind: 'redirect', location: path.endsWith('?b') ? '/simple/demo/?a' : '/simple/demo/?b' } : undefined,
    );
    const path = lab.lockfile('redirect-loop.toml');
    const run = await lab.enrich(path, args);
    expectCouldNotComplete(run, path, ['INDEX_HTTP']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/too many redirects/);
    expect(hits(lab.index, '/simple/')).toBe(6); // the first request and 5 hops, once for both files
  });

  it('a redirect to another host is refused: nothing reaches it, exit 3', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/provenance/') ? { kind: 'redirect', location: `${elsewhere.origin}${path}` } : undefined));
    const path = lab.lockfile('redirect-other-host.toml');
    const run = await lab.enrich(
      path,
      args.map((a) => a.replace('http://', 'http://alice:s3cret@')),
    );
    expectCouldNotComplete(run, path, ['INDEX_HTTP']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/cross-origin redirect/);
    expect(elsewhere.requests).toHaveLength(0);
    expect(run.stdout + run.stderr).not.toMatch(/alice|s3cret/);
  });
});

const cert = makeLoopbackCert();
afterAll(() => cert?.cleanup());

describe.skipIf(cert === undefined)(`https → http redirects, through the CLI${cert === undefined ? ` (${OPENSSL_MISSING})` : ''}`, () => {
  let lab: FaultLab;
  let plain: FakeIndex;
  beforeAll(async () => {
    lab = await startFaultLab({ tls: { key: cert!.key, cert: cert!.cert } });
    plain = await startFakeIndex({ files: [] });
  });
  afterAll(async () => {
    await plain?.close();
    await lab?.close();
  });

  it('a redirect from https down to http (even on this machine) is refused: exit 3', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/simple/') ? { kind: 'redirect', location: `${plain.origin}${path}` } : undefined));
    const path = lab.lockfile('redirect-to-http.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { NODE_EXTRA_CA_CERTS: cert!.certFile } });
    expectCouldNotComplete(run, path, ['INDEX_HTTP']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/from https to http/);
    expect(plain.requests).toHaveLength(0);
  });
});
