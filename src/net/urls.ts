/**
 * Index URL rules, free of undici so the CLI can validate `--index-url`
 * without loading the HTTP stack.
 */
import { PylockAttestError } from '../errors.js';

/** Removes `user:password@` from a URL so it can be printed or logged. */
export function redactUrl(url: string | URL): string {
  const text = String(url);
  try {
    const u = new URL(text);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    // Not a URL: still strip anything that looks like userinfo.
    return text.replace(/\/\/[^/?#]*@/, '//');
  }
}

/** How a host reaches this machine or its link instead of another machine. */
export type LocalKind = 'loopback' | 'unspecified' | 'link-local' | 'cloud metadata';

/**
 * What `host` is, when it is this machine or its link: a URL hostname
 * (`127.0.0.1`, `[::1]`, `localhost.`) or a resolved address (`::ffff:127.0.0.1`).
 * Every spelling goes through WHATWG URL host parsing first, the parser
 * that decides where a request goes: `0x7f.1`, `2130706433`, `0177.0.0.1`
 * and `127.1` are `127.0.0.1`, `0` is `0.0.0.0`, `[::ffff:127.0.0.1]` is
 * `[::ffff:7f00:1]`. Undefined for any other host, private ranges included
 * (docs/decisions.md says why).
 */
export function localKind(host: string): LocalKind | undefined {
  const name = canonicalHost(host);
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback'; // RFC 6761: always this machine
  const v4 = ipv4Octets(name);
  if (v4 !== undefined) return ipv4Kind(v4);
  const v6 = ipv6Groups(name);
  return v6 === undefined ? undefined : ipv6Kind(v6);
}

/** Lower case, no brackets, no trailing dots, IP literals in their one normal form: one spelling per host. */
export function canonicalHost(host: string): string {
  const unbracketed = host.replace(/^\[(.*)\]$/, '$1');
  // A resolver may hand back a link-local address with its zone (`fe80::1%eth0`); URLs cannot carry one.
  const bare = unbracketed.includes(':') ? unbracketed.replace(/%.*$/, '') : unbracketed;
  let name = bare.toLowerCase();
  try {
    name = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
  } catch {
    // Not a host WHATWG accepts: classified as written (it names nothing we could connect to).
  }
  return name.replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
}

function ipv4Octets(name: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return m === null ? undefined : m.slice(1).map(Number);
}

function ipv4Kind([a, b]: readonly number[]): LocalKind | undefined {
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified'; // 0.0.0.0/8: "this host"; Linux connects 0.0.0.0 to loopback
  if (a === 169 && b === 254) return 'link-local'; // and 169.254.169.254, the cloud metadata service
  return undefined;
}

/** Eight 16-bit groups of a normalized IPv6 address (no dotted tail: URL parsing removed it). */
function ipv6Groups(name: string): number[] | undefined {
  const halves = name.split('::');
  if (halves.length > 2 || !name.includes(':')) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? zeros : 0).fill(0), ...tail];
  return all.some(Number.isNaN) ? undefined : all;
}

// fd00:ec2::254, the IPv6 address of AWS's metadata service (in fc00::/7, which is not refused as a whole).
const METADATA_V6 = [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254];

function ipv6Kind(g: readonly number[]): LocalKind | undefined {
  if (g.every((x) => x === 0)) return 'unspecified';
  if (isIPv6Loopback(g)) return 'loopback';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  if (g.every((x, i) => x === METADATA_V6[i])) return 'cloud metadata';
  return IPV4_CARRIERS.some((prefix) => hasPrefix(g, prefix)) ? ipv4Kind(embeddedIPv4(g)) : undefined;
}

/**
 * Prefixes whose last 32 bits are an IPv4 address that a connection reaches
 * (here, or through a translator that would reach it on our behalf).
 */
const IPV4_MAPPED = [0, 0, 0, 0, 0, 0xffff];
const IPV4_CARRIERS = [
  IPV4_MAPPED, // ::ffff:a.b.c.d
  [0, 0, 0, 0, 0, 0], // IPv4-compatible ::a.b.c.d (deprecated, still parsed)
  [0, 0, 0, 0, 0xffff, 0], // SIIT ::ffff:0:a.b.c.d
  [0x64, 0xff9b, 0, 0, 0, 0], // NAT64 64:ff9b::a.b.c.d
];

function hasPrefix(g: readonly number[], prefix: readonly number[]): boolean {
  return prefix.every((x, i) => g[i] === x);
}

function embeddedIPv4(g: readonly number[]): number[] {
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
}

function isIPv6Loopback(g: readonly number[]): boolean {
  return g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
}

/**
 * http is allowed only where nobody can sit in the middle: `localhost`, or
 * an address the kernel keeps on this machine (127.0.0.0/8, ::1, and
 * 127.0.0.0/8 mapped into IPv6). Narrower than `localKind`: an address that
 * only embeds 127.x (NAT64, say) goes through a translator on the network.
 */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost') return true;
  const name = canonicalHost(hostname);
  const g = ipv6Groups(name);
  const v4 = ipv4Octets(name) ?? (g !== undefined && hasPrefix(g, IPV4_MAPPED) ? embeddedIPv4(g) : undefined);
  if (v4 !== undefined) return v4[0] === 127;
  return g !== undefined && isIPv6Loopback(g);
}

/**
 * Why a URL a page advertises is refused: it names this machine or its link
 * (by address or by a name like `localhost`), and the index that advertised
 * it is not itself here. A remote index must not aim us at a service only
 * this machine can reach. Names that only *resolve* here are refused when
 * the connection is made (src/net/address-guard.ts).
 */
export function advertisedHere(url: URL, index: URL): LocalKind | undefined {
  const kind = localKind(url.hostname);
  return kind !== undefined && localKind(index.hostname) === undefined ? kind : undefined;
}

/**
 * Parses and checks an index URL: https, or http on loopback only (over plain
 * http anyone on the path could swap provenance or hide it).
 */
export function checkIndexUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new PylockAttestError('INDEX_URL', `not a valid URL: ${redactUrl(url)}`, {}, { cause });
  }
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return u;
  const hint = 'use an https:// index URL (plain http is accepted only on 127.0.0.1, ::1 and localhost)';
  throw new PylockAttestError('INDEX_URL', `refusing insecure index URL ${redactUrl(u)}`, { hint });
}

/** Index hosts a lockfile's `index` key may name without --allow-index-host. */
export const DEFAULT_INDEX_HOSTS: readonly string[] = ['pypi.org', 'test.pypi.org'];

/**
 * Whether a lockfile's `index` may send us to `url`: its host is PyPI's, or
 * one the user named (`host` for any port, `host:port` for one).
 */
export function isAllowedIndexHost(url: URL, allowed: readonly string[] = []): boolean {
  const names = [...DEFAULT_INDEX_HOSTS, ...allowed].map((h) => h.toLowerCase());
  return names.includes(url.hostname.toLowerCase()) || names.includes(url.host.toLowerCase());
}

/** An index URL judged: usable, refused by the URL rules, or on a host the user did not choose. */
export type IndexJudgement = { url: URL; refused?: undefined } | { refused: 'insecure'; error: PylockAttestError } | { refused: 'host'; url: URL };

/**
 * The one rule for an index URL. Every index obeys the URL rules
 * (`checkIndexUrl`); one that input names (a lockfile's `index`, a
 * requirements file's index options) must also be on PyPI's host or one the
 * user allowed: input is untrusted, and a lockfile from a pull request must
 * not aim this run at any server, or at a service on this machine. An index
 * the user chose (`--index-url`) is `fromInput: false`. Callers word the
 * refusal for where the URL came from.
 */
export function judgeIndexUrl(url: string, fromInput: boolean, allowed: readonly string[] = []): IndexJudgement {
  let parsed: URL;
  try {
    parsed = checkIndexUrl(url);
  } catch (e) {
    if (e instanceof PylockAttestError) return { refused: 'insecure', error: e };
    throw e;
  }
  if (fromInput && !isAllowedIndexHost(parsed, allowed)) return { refused: 'host', url: parsed };
  return { url: parsed };
}

/**
 * One path segment, percent-encoded so that no value can add a segment or
 * climb out of the endpoint: `/` and `%` are encoded by encodeURIComponent,
 * and segments made only of dots (which URL parsers and servers resolve as
 * `.`/`..`) have their dots encoded too. The HTTP client sends such paths
 * as-is, without URL normalization.
 */
export function encodeSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  return /^\.*$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}

/** `scheme://user:pass@host:port` of a parsed URL, credentials kept (the HTTP client turns them into a header). */
export function originWithCredentials(u: URL): string {
  const userinfo = u.username === '' && u.password === '' ? '' : `${u.username}:${u.password}@`;
  return `${u.protocol}//${userinfo}${u.host}`;
}

/**
 * Host names the user chose to query: PyPI's, `--allow-index-host`'s (port
 * dropped) and `--index-url`'s. Only these may resolve to this machine; any
 * other name we connect to came from an index's page.
 */
export function hostsUserNamed(indexUrl: string | undefined, allowed: readonly string[] = []): string[] {
  const urls = [...DEFAULT_INDEX_HOSTS, ...allowed].map((h) => `https://${h}/`);
  if (indexUrl !== undefined) urls.push(indexUrl);
  const names = new Set<string>();
  for (const url of urls) {
    try {
      names.add(canonicalHost(new URL(url).hostname));
    } catch {
      // Not a host: it names nothing we would connect to.
    }
  }
  return [...names];
}
