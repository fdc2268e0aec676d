/**
 * Where the Sigstore trusted root (Fulcio CAs, Rekor and CT log keys) comes
 * from. `sigstore.verify()` would refresh TUF on every call and fail offline,
 * so we resolve the root once per run, in this order:
 *
 *   1. `--trusted-root FILE`: the user's explicit choice. If it is unusable
 *      that is an error (TRUST_ROOT), never a silent fallback to another root.
 *   2. Online: the copy TUF gave us, if less than a day old; else the
 *      `trusted_root.json` target through @sigstore/tuf (TUF metadata
 *      verified from the root embedded in the package), with a deadline,
 *      saved to our cache.
 *   3. Offline, or when TUF fails: the last copy we cached.
 *   4. Else the production root embedded in @sigstore/tuf's `seeds.json`.
 *
 * A stale root only makes newer signatures fail to verify; it never makes a
 * bad one pass.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PylockAttestError } from '../errors.js';
import { trustedRootProblem } from './trusted-root-shape.js';

export type TrustRootSource = 'file' | 'tuf' | 'cache' | 'embedded';

export interface TrustRoot {
  /** The parsed trusted_root.json. */
  json: unknown;
  source: TrustRootSource;
  /** sha256 hex of the JSON bytes; a cache key for verdicts. */
  digest: string;
  /** Why a fresher source was not used (TUF failed, cache unreadable); for a warning. */
  fallbackReason?: string;
}

export interface LoadTrustRootOptions {
  trustedRootPath?: string;
  cacheDir: string;
  offline: boolean;
  /** Overall deadline for the TUF refresh. */
  tufTimeoutMs?: number;
}

/** @sigstore/tuf's DEFAULT_MIRROR_URL: the key of the production entry in seeds.json. */
export const PRODUCTION_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
const TRUSTED_ROOT_TARGET = 'trusted_root.json';
const CACHE_FILE = 'trusted_root.json';
const MAX_ROOT_BYTES = 4 * 1024 * 1024;
const DEFAULT_TUF_TIMEOUT_MS = 15_000;

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
  let reason: string | undefined;
  if (!opts.offline) {
    const fresh = await loadFreshCache(opts.cacheDir);
    if (fresh !== undefined) return fresh;
    try {
      return await loadFromTuf(opts.cacheDir, opts.tufTimeoutMs ?? DEFAULT_TUF_TIMEOUT_MS);
    } catch (e) {
      reason = `TUF refresh failed: ${message(e)}`;
    }
  }
  const cached = await loadCached(opts.cacheDir);
  if (cached.root !== undefined) return { ...cached.root, fallbackReason: reason };
  return { ...(await loadEmbedded()), fallbackReason: joinReasons(reason, cached.problem) };
}

function joinReasons(...reasons: (string | undefined)[]): string | undefined {
  const present = reasons.filter((r): r is string => r !== undefined);
  return present.length > 0 ? present.join('; ') : undefined;
}

/** Parses and checks a trusted root well enough that sigstore-js can build trust material from it. */
export async function parseTrustedRoot(bytes: Uint8Array): Promise<unknown> {
  if (bytes.length > MAX_ROOT_BYTES) throw new Error('trusted root is too large');
  const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  const problem = trustedRootProblem(json);
  if (problem !== undefined) throw new Error(problem);
  const [{ TrustedRoot }, { toTrustMaterial }] = await Promise.all([
    import('@sigstore/protobuf-specs'),
    import('@sigstore/verify'),
  ]);
  toTrustMaterial(TrustedRoot.fromJSON(json));
  return json;
}

async function toTrustRoot(bytes: Uint8Array, source: TrustRootSource): Promise<TrustRoot> {
  const json = await parseTrustedRoot(bytes);
  return { json, source, digest: createHash('sha256').update(bytes).digest('hex') };
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

async function loadFromTuf(cacheDir: string, timeoutMs: number): Promise<TrustRoot> {
  const { initTUF } = await import('@sigstore/tuf');
  const fetch = (async () => {
    const tuf = await initTUF({
      cachePath: path.join(cacheDir, 'tuf'),
      mirrorURL: PRODUCTION_TUF_MIRROR,
      retry: 1,
      timeout: Math.min(timeoutMs, 5_000),
    });
    return tuf.getTarget(TRUSTED_ROOT_TARGET);
  })();
  const bytes = Buffer.from(await withDeadline(fetch, timeoutMs), 'utf8');
  const root = await toTrustRoot(bytes, 'tuf');
  await saveCache(cacheDir, bytes).catch(() => undefined); // a read-only cache must not fail the run
  return root;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function saveCache(cacheDir: string, bytes: Uint8Array): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.${CACHE_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, bytes);
  await rename(tmp, path.join(cacheDir, CACHE_FILE));
}

/** The cached root, when TUF delivered it within TUF_REFRESH_MS; anything odd means "refresh". */
async function loadFreshCache(cacheDir: string): Promise<TrustRoot | undefined> {
  try {
    const file = path.join(cacheDir, CACHE_FILE);
    const age = Date.now() - (await stat(file)).mtimeMs;
    if (age < 0 || age >= TUF_REFRESH_MS) return undefined;
    return await toTrustRoot(await readBounded(file), 'cache');
  } catch {
    return undefined;
  }
}

async function loadCached(cacheDir: string): Promise<{ root?: TrustRoot; problem?: string }> {
  const file = path.join(cacheDir, CACHE_FILE);
  try {
    return { root: await toTrustRoot(await readBounded(file), 'cache') };
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return missing ? {} : { problem: `cached trusted root ${file} is unusable: ${message(e)}` };
  }
}

/** The production trusted root shipped inside @sigstore/tuf: seeds.json → mirror → targets → trusted_root.json (base64). */
async function loadEmbedded(): Promise<TrustRoot> {
  try {
    // A JSON module import, not a path to read: a bundle (the Python wheel has no node_modules) carries it along.
    const { default: json } = await import('@sigstore/tuf/seeds.json', { with: { type: 'json' } });
    const seeds = json as unknown as Record<string, { targets?: Record<string, unknown> }>;
    const target = seeds[PRODUCTION_TUF_MIRROR]?.targets?.[TRUSTED_ROOT_TARGET];
    if (typeof target !== 'string') throw new Error(`seeds.json has no ${TRUSTED_ROOT_TARGET} for ${PRODUCTION_TUF_MIRROR}`);
    return await toTrustRoot(Buffer.from(target, 'base64'), 'embedded');
  } catch (e) {
    throw new PylockAttestError(
      'TRUST_ROOT',
      `no usable Sigstore trusted root: ${message(e)}`,
      { hint: 'run once online, or pass --trusted-root FILE' },
      { cause: e },
    );
  }
}
