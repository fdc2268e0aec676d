/**
 * The connect-time half of "a remote index never aims us at this machine":
 * the DNS answer for a host name is checked before the socket connects. A
 * name that resolves to a loopback, unspecified, link-local or metadata
 * address is refused unless the user chose it (their index, PyPI's,
 * --allow-index-host): that mapping is theirs. Any other name we connect to
 * came from an index's page, however it was spelled (`localhost` included).
 * IP literals never reach a resolver: the URL rules judge those, knowing
 * which index advertised them (urls.ts `advertisedHere`).
 *
 * Through a proxy the proxy resolves names, so only the URL rules apply.
 */
import { lookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { PylockAttestError } from '../errors.js';
import { canonicalHost, localKind } from './urls.js';

export function guardedLookup(userNamed: readonly string[]): LookupFunction {
  const trusted = new Set(userNamed.map(canonicalHost));
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) return callback(err, '', undefined);
      const refusal = trusted.has(canonicalHost(hostname)) ? undefined : refuse(hostname, addresses);
      if (refusal !== undefined) return callback(refusal, '', undefined);
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0];
      if (first === undefined) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', undefined);
      return callback(null, first.address, first.family);
    });
  };
}

function refuse(hostname: string, addresses: readonly LookupAddress[]): PylockAttestError | undefined {
  for (const { address } of addresses) {
    const kind = localKind(address);
    if (kind === undefined) continue;
    return new PylockAttestError(
      'INDEX_URL',
      `refusing to connect to ${hostname}: it resolves to ${address}, a ${kind} address, and only an index host you chose may lead to this machine`,
      {
        hint: `if you trust ${hostname} as an index host, pass --allow-index-host ${hostname}`,
      },
    );
  }
  return undefined;
}
