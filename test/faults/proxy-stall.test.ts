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
 * - Through the built CLI (--timeout and --deadline end it: exit 3,
 *   INDEX_TIMEOUT, a byte-identical lockfile, one CONNECT per host, the TUF
 *   refresh's included): the adversarial suite, test/adversarial/
 *   cases-environment.ts.
 *
 * The index (`index.example`) is never resolved or reached: a proxied
 * request names its host to the proxy, which here never passes it on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/net/http.js';
import { isPylockAttestError } from '../../src/errors.js';
import { PROXY_STALLS, startTcpProxy, type ProxyBehaviour, type TcpProxy } from '../support/tcp-proxy.ts';

const INDEX = 'https://index.example/simple';
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
  return Promise.race([
    work.then(
      (v) => v,
      (e: unknown) => e,
    ),
    sleep(SANITY_MS).then(() => 'still pending'),
  ]);
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
