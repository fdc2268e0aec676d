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

/** http is allowed only where nobody can sit in the middle: the loopback interface. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
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
