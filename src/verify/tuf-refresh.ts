/**
 * Sigstore's `trusted_root.json` through TUF, anchored at the root embedded
 * in @sigstore/tuf's seeds.json, every time.
 *
 * tuf-js trusts whatever `root.json` sits in its metadata directory as the
 * anchor of the chain, so a metadata directory kept in the cache would let
 * whoever can write the cache plant a root of their own and forge the whole
 * chain. Instead the caller hands us a fresh, empty scratch directory
 * (io/scratch-dir.ts) holding only the embedded root; tuf-js walks the root
 * rotations from there (one request per rotation since the package was
 * built, then timestamp, snapshot, targets), and the target's bytes are
 * checked against the length and hashes the signed targets metadata states.
 * The caller keeps the result (authenticated) and removes the directory.
 *
 * Every request goes through our HTTP client (net/http.ts): the user's
 * proxy, the per-request timeout and the run's deadline apply, and no retry
 * loop of tuf-js's own runs underneath them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { HttpGetter } from '../net/http.js';

/** @sigstore/tuf's DEFAULT_MIRROR_URL: the key of the production entry in seeds.json. */
export const PRODUCTION_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
export const TRUSTED_ROOT_TARGET = 'trusted_root.json';
const ACCEPT = 'application/json';

interface Seed {
  'root.json'?: string;
  targets?: Record<string, unknown>;
}

/** The production entry of @sigstore/tuf's seeds.json: the TUF root and the trusted root shipped with the package. */
export async function embeddedSeed(): Promise<{ tufRoot: Buffer; trustedRoot: Buffer }> {
  // A JSON module import, not a path to read: a bundle (the Python wheel has no node_modules) carries it along.
  const { default: json } = await import('@sigstore/tuf/seeds.json', { with: { type: 'json' } });
  const seeds = json as unknown as Record<string, Seed>;
  const seed = seeds[PRODUCTION_TUF_MIRROR];
  const tufRoot = seed?.['root.json'];
  const trustedRoot = seed?.targets?.[TRUSTED_ROOT_TARGET];
  if (typeof tufRoot !== 'string' || typeof trustedRoot !== 'string')
    throw new Error(`seeds.json has no root.json and ${TRUSTED_ROOT_TARGET} for ${PRODUCTION_TUF_MIRROR}`);
  return { tufRoot: Buffer.from(tufRoot, 'base64'), trustedRoot: Buffer.from(trustedRoot, 'base64') };
}

export interface TufRefreshOptions {
  /** The repository. Default: Sigstore's production mirror. */
  mirror?: string;
}

/**
 * The trusted root's bytes, verified through the TUF chain from the
 * `root.json` already in `scratchDir` (the caller seeds it; tuf-js writes
 * the newer metadata beside it).
 */
export async function refreshTrustedRoot(http: HttpGetter, scratchDir: string, opts: TufRefreshOptions = {}): Promise<Buffer> {
  const mirror = (opts.mirror ?? PRODUCTION_TUF_MIRROR).replace(/\/+$/, '');
  const [{ Updater }, { DownloadHTTPError }] = await Promise.all([import('tuf-js'), tufErrors()]);
  const updater = new Updater({
    metadataBaseUrl: mirror,
    metadataDir: scratchDir,
    // Ours, not tuf-js's DefaultFetcher (global fetch: no proxy, its own retries and timeouts).
    fetcher: httpFetcher(http, DownloadHTTPError),
  });
  const target = await updater.getTargetInfo(TRUSTED_ROOT_TARGET);
  if (target === undefined) throw new Error(`the TUF targets list no ${TRUSTED_ROOT_TARGET}`);
  const url = `${mirror}/targets/${targetName(target.path, target.hashes, consistentSnapshot(scratchDir))}`;
  const res = await http.get(url, ACCEPT);
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  await target.verify(Readable.from([res.body])); // length and every hash the signed targets state
  return res.body;
}

/**
 * tuf-js ends its walk of root rotations on a 403/404 only when the fetcher
 * throws its own DownloadHTTPError, which it does not export: we pin tuf-js
 * and import the class from where that version keeps it, and refuse to run
 * TUF at all (the caller falls back) if it moved.
 */
async function tufErrors(): Promise<{ DownloadHTTPError: new (message: string, status: number) => Error }> {
  const errors = (await import('tuf-js/dist/error.js')) as { DownloadHTTPError?: unknown; default?: { DownloadHTTPError?: unknown } };
  const cls = errors.DownloadHTTPError ?? errors.default?.DownloadHTTPError;
  if (typeof cls !== 'function') throw new Error('tuf-js no longer has DownloadHTTPError where this version expects it');
  return { DownloadHTTPError: cls as new (message: string, status: number) => Error };
}

type TufFetcher = ConstructorParameters<typeof import('tuf-js').Updater>[0]['fetcher'];

function httpFetcher(http: HttpGetter, DownloadHTTPError: new (message: string, status: number) => Error): TufFetcher {
  const downloadBytes = async (url: string, maxLength: number): Promise<Buffer> => {
    const res = await http.get(url, ACCEPT);
    if (res.status !== 200) throw new DownloadHTTPError(`GET ${url}: HTTP ${res.status}`, res.status);
    if (res.body.length > maxLength) throw new Error(`GET ${url}: more than ${maxLength} bytes`);
    return res.body;
  };
  return {
    downloadBytes,
    // tuf-js calls this only from downloadTarget, which we do not use (the target is fetched above).
    downloadFile: () => Promise.reject(new Error('not used')),
  };
}

/** Whether the TUF root (the newest tuf-js verified and persisted) uses consistent snapshots: then targets are named by hash. */
function consistentSnapshot(scratchDir: string): boolean {
  const root = JSON.parse(readFileSync(path.join(scratchDir, 'root.json'), 'utf8')) as { signed?: { consistent_snapshot?: unknown } };
  return root.signed?.consistent_snapshot === true;
}

function targetName(target: string, hashes: Record<string, string>, prefixed: boolean): string {
  const digest = Object.values(hashes)[0];
  if (!prefixed || digest === undefined) return target;
  const slash = target.lastIndexOf('/');
  return `${target.slice(0, slash + 1)}${digest}.${target.slice(slash + 1)}`;
}
