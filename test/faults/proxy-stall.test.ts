/**
 * An HTTPS_PROXY that stops answering, at each phase of a request through
 * it (test/support/tcp-proxy.ts `PROXY_STALLS`): it accepts and never
 * answers CONNECT, answers CONNECT and then stays silent (the TLS handshake
 * stalls), drips its answer's headers, or drips a TLS record after CONNECT.
 *
 * - HttpClient, in this process: an abort (the run deadline, fired once the
 *   proxy has seen the request reach its phase) ends the request in that
 *   phase, and close() hangs up on the proxy. Left to undici, the first and
 *   third hang forever and the others end only at its own 10 s connect
 *   timeout; the one upper bound here is a sanity bound between the two
 *   (SANITY_MS). The attempt timeout aborts through the same signal.
 * - The built CLI: --timeout and --deadline end it; exit 3, INDEX_TIMEOUT, a
 *   byte-identical lockfile, and at most one CONNECT (a timeout is not
 *   retried; none at all only if a loaded machine let the timer fire first).
 *
 * The index (`index.example`) is never resolved or reached: a proxied
 * request names its host to the proxy, which here never passes it on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/net/http.js';
import { isPylockAttestError } from '../../src/errors.js';
import { startFaultLab, type FaultLab } from '../support/fault-lab.ts';
import { BUILT, NOT_BUILT } from '../support/run-cli.ts';
import { PROXY_STALLS, startTcpProxy, type ProxyBehaviour, type TcpProxy } from '../support/tcp-proxy.ts';
import { expectCouldNotComplete } from './fault-checks.ts';

const INDEX = 'https://index.example/simple';
const CONNECT = 'CONNECT index.example:443 HTTP/1.1';
/** Far above a loopback round trip on a loaded machine, far below the 10 s undici would take. */
const SANITY_MS = 5_000;

const proxies: TcpProxy[] = [];
async function proxy(behaviour: ProxyBehaviour): Promise<TcpProxy> {
  const p = await startTcpProxy(behaviour);
  proxies.push(p);
  return p;
}
afterEach(async () => {
  delete process.env['HTTPS_PROXY'];
  while (proxies.length > 0) await proxies.pop()!.close();
});

/** What `work` settled to, or 'still pending' after SANITY_MS. */
function settled(work: Promise<unknown>): Promise<unknown> {
  return Promise.race([work.then((v) => v, (e: unknown) => e), sleep(SANITY_MS).then(() => 'still pending')]);
}

describe('HttpClient through a proxy that stalls', () => {
  it.each(PROXY_STALLS)('a proxy that %s: the run deadline ends it mid-phase; close() hangs up', async (_name, behaviour, chunks) => {
    const p = await proxy(behaviour);
    process.env['HTTPS_PROXY'] = p.url;
    const deadline = new AbortController();
    const http = new HttpClient({ userAgent: 'pylock-attest/test', timeoutMs: 60_000, deadline: deadline.signal });
    const pending = http.get(`${INDEX}/demo/`, 'application/json');
    await p.received(chunks); // the request is in the phase where this proxy stalls
    deadline.abort(new Error('deadline'));
    const err = await settled(pending);
    expect(isPylockAttestError(err) && err.code).toBe('INDEX_TIMEOUT');
    expect((err as Error).message).toMatch(/run deadline reached/);
    await http.close();
    expect(await settled(p.allClosed())).toBeUndefined();
    expect(p.connections()).toMatchObject({ total: 1, closedByClient: 1 });
  });
});

describe.skipIf(!BUILT)(`a proxy that stalls, through the CLI${BUILT ? '' : ` (${NOT_BUILT})`}`, () => {
  let lab: FaultLab;
  beforeAll(async () => {
    lab = await startFaultLab();
  });
  afterAll(() => lab?.close());

  it.each(PROXY_STALLS)('a proxy that %s: --timeout ends it after one attempt, exit 3, file untouched', async (_name, behaviour) => {
    const p = await proxy(behaviour);
    const path = lab.lockfile(`proxy-${behaviour.kind}.toml`);
    const run = await lab.enrich(path, ['--index-url', INDEX, '--timeout', '2'], { env: { HTTPS_PROXY: p.url } });
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/no complete response within 2000 ms/);
    // One page request, shared by both files; a timeout is not retried.
    expect(p.requests.length).toBeLessThanOrEqual(1);
    expect(p.requests.every((r) => r === CONNECT)).toBe(true);
  });

  it('a proxy that never answers, with a long --timeout: --deadline ends the run, exit 3, file untouched', async () => {
    const p = await proxy({ kind: 'silent' });
    const path = lab.lockfile('proxy-deadline.toml');
    const run = await lab.enrich(path, ['--index-url', INDEX, '--timeout', '60', '--deadline', '2'], { env: { HTTPS_PROXY: p.url } });
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/deadline/);
    expect(p.requests.length).toBeLessThanOrEqual(1);
  });
});
