/**
 * Where the Sigstore trusted root (Fulcio CAs, Rekor and CT log keys) comes
 * from. `sigstore.verify()` would refresh TUF on every call and fail offline,
 * so we resolve the root once per run, in this order:
 *
 *   1. `--trusted-root FILE`: the user's explicit choice. If it is unusable
 *      that is an error (TRUST_ROOT), never a silent fallback to another root.
 *   2. Online: the copy TUF gave us, if less than a day old; else the
 *      `trusted_root.json` target through TUF (verify/tuf-refresh.ts: the
 *      chain always starts at the root embedded in @sigstore/tuf), kept in
 *      the cache.
 *   3. Offline, or when TUF fails: the last copy we kept.
 *   4. Else the production root embedded in @sigstore/tuf's `seeds.json`.
 *
 * "The copy we kept" is a record of the authenticated cache store
 * (io/cache-store.ts): only bytes this machine got from TUF, with the time it
 * got them, ever come back; a file planted in the cache directory is never
 * read. Without a cache (`--no-cache`) steps 2-3 keep and read nothing.
 *
 * A stale root only makes newer signatures fail to verify; it never makes a
 * bad one pass.
 *
 * sigstore itself loads only when something is verified: a root is checked
 * here for its shape (trusted-root-shape.ts), and sigstore-js builds its trust
 * material from it when the first verifier is made (verifier.ts, a TRUST_ROOT
 * error if it cannot). Only a root TUF just delivered is built here too,
 * before it is kept. A warm run, which verifies nothing, never loads sigstore.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { PylockAttestError } from '../errors.js';
import { trustedRootProblem } from './trusted-root-shape.js';
import { embeddedSeed, PRODUCTION_TUF_MIRROR, TRUSTED_ROOT_TARGET } from './tuf-refresh.js';

export { PRODUCTION_TUF_MIRROR };

export type TrustRootSource = 'file' | 'tuf' | 'cache' | 'embedded';

export interface TrustRoot {
  /** The parsed trusted_root.json. */
  json: unknown;
  source: TrustRootSource;
  /** sha256 hex of the JSON bytes; a cache key for verdicts. */
  digest: string;
  /** Why a fresher source was not used (TUF failed, cache unusable); for a warning. */
  fallbackReason?: string;
}

/** The part of an authenticated cache store this needs (io/cache-store.ts provides it). */
export interface TrustRootStore {
  getSync(key: string): Buffer | undefined;
  setSync(key: string, payload: Uint8Array): void;
}

export interface LoadTrustRootOptions {
  trustedRootPath?: string;
  offline: boolean;
  /** Where a root TUF delivered is kept, when the run uses a cache. */
  store?: TrustRootStore;
  /** Fetches trusted_root.json through TUF, within the run's bounds (the caller's: proxy, timeouts, deadline). */
  refresh?: () => Promise<Uint8Array>;
  now?: () => number;
}

const MAX_ROOT_BYTES = 4 * 1024 * 1024;
/** The store key of the one record: the production mirror's trusted root. */
const STORE_KEY = createHash('sha256').update(`${TRUSTED_ROOT_TARGET} ${PRODUCTION_TUF_MIRROR}`).digest('hex');

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * A root fetched through TUF less than this long ago is used as it is: a
 * pre-commit hook must not wait on the TUF CDN every run. Trusted roots
 * change when keys rotate (months apart), and a stale one can only make
 * newer signatures fail, never a bad one pass.
 */
export const TUF_REFRESH_MS = 24 * 60 * 60 * 1000;

export async function loadTrustRoot(opts: LoadTrustRootOptions): Promise<TrustRoot> {
  if (opts.trustedRootPath !== undefined) return loadExplicit(opts.trustedRootPath);
  const now = opts.now ?? Date.now;
  const kept = opts.store === undefined ? {} : readKept(opts.store);
  let reason: string | undefined;
  if (!opts.offline && opts.refresh !== undefined) {
    const age = kept.root === undefined ? Infinity : now() - kept.fetchedAt!;
    if (age >= 0 && age < TUF_REFRESH_MS) return kept.root!;
    try {
      const bytes = await opts.refresh();
      // Kept for a day and used by later runs: sigstore must be able to use it before it is kept.
      const root = await toTrustRoot(bytes, 'tuf', { build: true });
      opts.store?.setSync(STORE_KEY, Buffer.concat([Buffer.from(`${JSON.stringify({ fetchedAt: now() })}\n`), bytes]));
      return root;
    } catch (e) {
      reason = `TUF refresh failed: ${message(e)}`;
    }
  }
  if (kept.root !== undefined) return { ...kept.root, fallbackReason: reason };
  return { ...(await loadEmbedded()), fallbackReason: joinReasons(reason, kept.problem) };
}

/**
 * The root kept by an earlier run. The record authenticates (the store's
 * HMAC) and held a root that passed every check below when it was kept, so
 * only its shape is checked again: sigstore is not even loaded for it.
 */
function readKept(store: TrustRootStore): { root?: TrustRoot; fetchedAt?: number; problem?: string } {
  const record = store.getSync(STORE_KEY);
  if (record === undefined) return {};
  try {
    const newline = record.indexOf(0x0a);
    const { fetchedAt } = JSON.parse(record.subarray(0, newline).toString('utf8')) as { fetchedAt?: unknown };
    const bytes = record.subarray(newline + 1);
    const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const problem = trustedRootProblem(json);
    if (newline < 0 || typeof fetchedAt !== 'number' || problem !== undefined) throw new Error(problem ?? 'malformed record');
    return { root: { json, source: 'cache', digest: sha256(bytes) }, fetchedAt };
  } catch (e) {
    return { problem: `the kept trusted root is unusable: ${message(e)}` };
  }
}

function joinReasons(...reasons: (string | undefined)[]): string | undefined {
  const present = reasons.filter((r): r is string => r !== undefined);
  return present.length > 0 ? present.join('; ') : undefined;
}

/**
 * Parses and checks a trusted root's shape; with `build`, also that sigstore-js
 * can build trust material from it (which loads sigstore).
 */
async function parseTrustedRoot(bytes: Uint8Array, opts: { build?: boolean }): Promise<unknown> {
  if (bytes.length > MAX_ROOT_BYTES) throw new Error('trusted root is too large');
  const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  const problem = trustedRootProblem(json);
  if (problem !== undefined) throw new Error(problem);
  if (opts.build !== true) return json;
  const [{ TrustedRoot }, { toTrustMaterial }] = await Promise.all([import('@sigstore/protobuf-specs'), import('@sigstore/verify')]);
  toTrustMaterial(TrustedRoot.fromJSON(json));
  return json;
}

async function toTrustRoot(bytes: Uint8Array, source: TrustRootSource, opts: { build?: boolean } = {}): Promise<TrustRoot> {
  const json = await parseTrustedRoot(bytes, opts);
  return { json, source, digest: sha256(bytes) };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readBounded(file: string): Promise<Buffer> {
  if ((await stat(file)).size > MAX_ROOT_BYTES) throw new Error('file is too large');
  return readFile(file);
}

async function loadExplicit(file: string): Promise<TrustRoot> {
  try {
    return await toTrustRoot(await readBounded(file), 'file');
  } catch (e) {
    throw new PylockAttestError(
      'TRUST_ROOT',
      `cannot use the trusted root ${file}: ${message(e)}`,
      { file, hint: 'pass a Sigstore trusted_root.json, or drop --trusted-root to use the production root' },
      { cause: e },
    );
  }
}

/** The production trusted root shipped inside @sigstore/tuf: seeds.json → mirror → targets → trusted_root.json (base64). */
async function loadEmbedded(): Promise<TrustRoot> {
  try {
    return await toTrustRoot((await embeddedSeed()).trustedRoot, 'embedded');
  } catch (e) {
    throw new PylockAttestError(
      'TRUST_ROOT',
      `no usable Sigstore trusted root: ${message(e)}`,
      { hint: 'run once online, or pass --trusted-root FILE' },
      { cause: e },
    );
  }
}
