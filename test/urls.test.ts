/**
 * The URL rules (src/net/urls.ts), table-driven: which hosts are this
 * machine or its link, where plain http is allowed, which advertised URLs a
 * remote index may give, which names may resolve here, and the one index
 * check `enrich`/`check` and `lock` share. Through the CLI: test/adversarial/cases-environment.ts.
 */
import { describe, expect, it } from 'vitest';
import { resolveAdvertised, resolveFileUrl } from '../src/net/provenance-client.js';
import { advertisedHere, checkIndexUrl, hostsUserNamed, isLoopbackHost, judgeIndexUrl, localKind } from '../src/net/urls.js';
import { isPylockAttestError, type ErrorCode } from '../src/errors.js';
import { LOCAL_HOSTS, OTHER_HOSTS } from './support/local-hosts.ts';

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (isPylockAttestError(err)) return err.code;
    throw err;
  }
}

const hostname = (host: string) => new URL(`https://${host}/`).hostname;
const REMOTE_PAGE = 'https://idx.example/simple/demo/';
const REMOTE_INDEX = 'https://u:p@idx.example/simple';

describe('localKind: this machine and its link, in every spelling', () => {
  it.each(LOCAL_HOSTS)('%s is %s (as a URL hostname and as written)', (host, kind) => {
    expect(localKind(hostname(host))).toBe(kind);
    expect(localKind(host)).toBe(kind);
  });

  it.each(OTHER_HOSTS)('%s is another machine', (host) => {
    expect(localKind(hostname(host))).toBeUndefined();
  });

  it('reads addresses as a resolver returns them: unbracketed, dotted tails, zones', () => {
    const resolved: Array<[string, string | undefined]> = [
      ['::ffff:127.0.0.1', 'loopback'],
      ['::1', 'loopback'],
      ['fe80::1%eth0', 'link-local'],
      ['fe80::abcd:1%2', 'link-local'],
      ['169.254.169.254', 'link-local'],
      ['93.184.215.14', undefined],
      ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', undefined],
    ];
    for (const [address, kind] of resolved) expect(localKind(address), address).toBe(kind);
  });
});

describe('isLoopbackHost: where plain http is allowed', () => {
  it('loopback addresses and localhost itself', () => {
    for (const host of ['localhost', '127.0.0.1', '127.9.9.9', '[::1]', '[::ffff:7f00:1]']) expect(isLoopbackHost(host), host).toBe(true);
  });

  it('not names that only usually mean loopback, nor translated or link-local addresses', () => {
    for (const host of [
      'localhost.',
      'evil.localhost',
      '0.0.0.0',
      '[::]',
      '[::7f00:1]',
      '[64:ff9b::7f00:1]',
      '169.254.169.254',
      '10.0.0.1',
      '127.0.0.1.evil.com',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('URLs a remote index advertises', () => {
  it.each(LOCAL_HOSTS)('refuses a provenance URL on %s (%s)', (host, kind) => {
    let message = '';
    try {
      resolveAdvertised(`https://${host}/p`, REMOTE_PAGE, REMOTE_INDEX);
    } catch (err) {
      expect(isPylockAttestError(err) && err.code).toBe('INDEX_URL');
      message = (err as Error).message;
    }
    expect(message).toContain(`this machine (${kind} address)`);
    expect(codeOf(() => resolveFileUrl(`https://${host}/f.tar.gz`, REMOTE_PAGE, REMOTE_INDEX))).toBe('INDEX_URL');
  });

  it('refuses a scheme-relative one too', () => {
    expect(codeOf(() => resolveAdvertised('//0.0.0.0/p', REMOTE_PAGE, REMOTE_INDEX))).toBe('INDEX_URL');
  });

  it.each(OTHER_HOSTS)('accepts %s (private ranges included)', (host) => {
    expect(codeOf(() => resolveAdvertised(`https://${host}/p`, REMOTE_PAGE, REMOTE_INDEX))).toBeUndefined();
  });

  it('an index on this machine may point at this machine', () => {
    for (const index of ['http://127.0.0.1:3141/simple', 'http://localhost:3141/simple', 'http://[::1]:3141/simple']) {
      for (const [host] of LOCAL_HOSTS) expect(advertisedHere(new URL(`https://${host}/p`), new URL(index)), `${host} from ${index}`).toBeUndefined();
    }
  });
});

describe('hostsUserNamed: the names that may resolve to this machine', () => {
  it("PyPI's, --allow-index-host's without their port, and --index-url's, in one spelling", () => {
    expect(hostsUserNamed(undefined)).toEqual(['pypi.org', 'test.pypi.org']);
    expect(hostsUserNamed('https://u:p@Mirror.Example./simple', ['Files.example:8443', 'localhost', '[::1]:3141'])).toEqual([
      'pypi.org',
      'test.pypi.org',
      'files.example',
      'localhost',
      '::1',
      'mirror.example',
    ]);
  });
});

describe('judgeIndexUrl: the one index check (enrich/check and lock)', () => {
  it('an index the user chose obeys the URL rules only', () => {
    expect(judgeIndexUrl('https://mirror.example/simple', false)).toMatchObject({ url: { host: 'mirror.example' } });
    expect(judgeIndexUrl('http://mirror.example/simple', false)).toMatchObject({ refused: 'insecure', error: { code: 'INDEX_URL' } });
  });

  it('an index from input must be on an allowed host too: PyPI, or --allow-index-host (host, or host:port)', () => {
    expect(judgeIndexUrl('https://pypi.org/simple', true).refused).toBeUndefined();
    expect(judgeIndexUrl('https://mirror.example/simple', true)).toMatchObject({ refused: 'host' });
    expect(judgeIndexUrl('https://mirror.example/simple', true, ['mirror.example']).refused).toBeUndefined();
    expect(judgeIndexUrl('https://mirror.example:8443/simple', true, ['mirror.example:8443']).refused).toBeUndefined();
    expect(judgeIndexUrl('https://mirror.example:9443/simple', true, ['mirror.example:8443'])).toMatchObject({ refused: 'host' });
    expect(judgeIndexUrl('http://127.0.0.1:3141/simple', true)).toMatchObject({ refused: 'host' });
  });

  it('insecure wins over the host rule, and the error never echoes credentials', () => {
    const judged = judgeIndexUrl('http://carol:pa55@mirror.example/simple', true);
    expect(judged.refused).toBe('insecure');
    expect(judged.refused === 'insecure' && judged.error.message).not.toMatch(/carol|pa55/);
    expect(codeOf(() => checkIndexUrl('http://carol:pa55@mirror.example/simple'))).toBe('INDEX_URL');
  });
});
