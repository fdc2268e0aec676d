/**
 * The connect-time check (src/net/address-guard.ts): a host name that
 * resolves to this machine is refused unless the user chose it. `localhost`
 * is the one name every machine resolves to loopback without a network, so
 * it stands in for a name an index's page gave us.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup } from '../src/net/address-guard.js';
import { HttpClient } from '../src/net/http.js';
import { isPylockAttestError } from '../src/errors.js';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name];

type Answer = { err: NodeJS.ErrnoException | null; address: unknown; family?: number | undefined };

function resolve(userNamed: readonly string[], hostname: string, all: boolean): Promise<Answer> {
  return new Promise((done) => guardedLookup(userNamed)(hostname, { all }, (err, address, family) => done({ err, address, family })));
}

describe('guardedLookup', () => {
  it('refuses a name the user did not choose that resolves to loopback, with the flag that allows it', async () => {
    for (const all of [false, true]) {
      const { err } = await resolve(['pypi.org'], 'localhost', all);
      expect(isPylockAttestError(err) && err.code).toBe('INDEX_URL');
      expect(err?.message).toMatch(/localhost: it resolves to 127\.0\.0\.1, a loopback address/);
      expect(isPylockAttestError(err) && err.hint).toContain('--allow-index-host localhost');
    }
  });

  it('lets a name the user chose resolve here, in either answer shape, whatever its case or trailing dot', async () => {
    expect(await resolve(['localhost'], 'localhost', false)).toMatchObject({ err: null, address: '127.0.0.1', family: 4 });
    const many = await resolve(['LOCALHOST.'], 'localhost', true);
    expect(many.err).toBeNull();
    expect(many.address).toContainEqual({ address: '127.0.0.1', family: 4 });
  });

  it('passes other addresses and resolver errors through', async () => {
    expect(await resolve([], '10.1.2.3', false)).toMatchObject({ err: null, address: '10.1.2.3', family: 4 });
    const { err } = await resolve([], 'pylock-attest-test.invalid', false);
    expect(err?.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(isPylockAttestError(err)).toBe(false);
  });
});

describe('HttpClient connects through the guard', () => {
  let index: FakeIndex;
  const clients: HttpClient[] = [];
  beforeAll(async () => {
    index = await startFakeIndex({ files: [] });
    index.setFault(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await index?.close();
  });
  const client = (userNamedHosts?: string[]) => {
    const c = new HttpClient({ userAgent: 'pylock-attest/test', retryBaseMs: 1, ...(userNamedHosts ? { userNamedHosts } : {}) });
    clients.push(c);
    return c;
  };
  const viaName = () => index.origin.replace('127.0.0.1', 'localhost') + '/x';

  it('a name nobody chose that leads here: INDEX_URL, not retried, nothing sent', async () => {
    index.requests.length = 0;
    for (const c of [client(), client(['pypi.org'])]) {
      const err = await c.get(viaName(), 'application/json').catch((e: unknown) => e);
      expect(isPylockAttestError(err) && err.code).toBe('INDEX_URL');
    }
    expect(index.requests).toEqual([]);
  });

  it('the same name, chosen by the user: answered', async () => {
    expect((await client(['localhost']).get(viaName(), 'application/json')).status).toBe(200);
  });

  it('an address literal is never resolved, so never refused here (the URL rules judge it)', async () => {
    expect((await client().get(`${index.origin}/x`, 'application/json')).status).toBe(200);
  });
});
