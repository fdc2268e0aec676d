import type { LockedPackage } from '../core/lockfile.js';
import { decidePackage, type FileOutcome, type PackageOutcome } from '../core/outcome.js';
import { PylockAttestError } from '../errors.js';
import { checkIndexUrl } from '../net/urls.js';
import { defaultCacheDir } from './cache-dir.js';
import { evaluateFile } from './evaluate-file.js';
import { loadLockfile, type LoadedLockfile } from './read-lockfile.js';
import { RunContext, type NetworkOptions, type VerifyOptions } from './run-context.js';

export const DEFAULT_INDEX_URL = 'https://pypi.org/simple';

export interface EvaluateOptions extends NetworkOptions, VerifyOptions {
  /** Write identities even where they differ from the recorded ones (still reported). */
  allowIdentityChange?: boolean;
  /** Progress: files evaluated so far out of the total. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** One lockfile after every file was fetched and verified; nothing written yet. */
export type EvaluatedLockfile =
  | { path: string; ok: true; lock: LoadedLockfile; packages: PackageOutcome[] }
  | { path: string; ok: false; error: PylockAttestError; lock?: LoadedLockfile };

export interface Evaluation {
  lockfiles: EvaluatedLockfile[];
  verified: boolean;
  /** Where the trusted root came from, when verification ran. */
  trustRoot?: string;
  requests: number;
}

/**
 * Read every lockfile, fetch and verify every locked file (once, even when
 * several lockfiles pin it), and decide each package. Shared by enrich,
 * check and lock; it never writes.
 */
export async function evaluateLockfiles(paths: readonly string[], options: EvaluateOptions = {}): Promise<Evaluation> {
  const verify = options.verify ?? true;
  if (options.indexUrl !== undefined) checkIndexUrl(options.indexUrl);
  const ctx = new RunContext(options, { ...options, cacheDir: options.cacheDir ?? defaultCacheDir() });
  try {
    const loaded = await Promise.all(paths.map((p) => loadOrError(p)));
    const pending = scheduleAll(ctx, loaded, verify, options);
    await Promise.all(pending.jobs);
    const lockfiles = pending.entries.map((e) => decideLockfile(e, options));
    const evaluation: Evaluation = { lockfiles, verified: verify, requests: ctx.requests };
    if (ctx.trust) evaluation.trustRoot = ctx.trust.source;
    return evaluation;
  } finally {
    await ctx.close();
  }
}

type Loaded = { path: string; lock: LoadedLockfile } | { path: string; error: PylockAttestError };

async function loadOrError(path: string): Promise<Loaded> {
  try {
    return { path, lock: await loadLockfile(path) };
  } catch (e) {
    if (e instanceof PylockAttestError) return { path, error: e };
    throw e;
  }
}

interface Pending {
  loaded: Loaded;
  outcomes: Map<LockedPackage, FileOutcome[]>;
  error?: PylockAttestError;
}

function scheduleAll(ctx: RunContext, loaded: Loaded[], verify: boolean, options: EvaluateOptions): { entries: Pending[]; jobs: Array<Promise<void>> } {
  const jobs: Array<Promise<void>> = [];
  const memo = new Map<string, Promise<FileOutcome>>();
  const progress = { done: 0, total: 0 };
  const entries = loaded.map((entry) => {
    const pending: Pending = { loaded: entry, outcomes: new Map() };
    if (!('lock' in entry)) return pending;
    for (const pkg of entry.lock.model.packages) {
      if (pkg.skip !== undefined) continue;
      const indexUrl = options.indexUrl ?? pkg.index_url ?? DEFAULT_INDEX_URL;
      const refused = indexUrlRefusal(indexUrl, entry.path, pkg);
      if (refused) {
        pending.error ??= refused;
        continue;
      }
      const files: FileOutcome[] = new Array(pkg.files.length);
      pending.outcomes.set(pkg, files);
      pkg.files.forEach((file, i) => {
        progress.total++;
        // The same file in several lockfiles is fetched and verified once.
        const key = JSON.stringify([indexUrl, pkg.project, pkg.version, file.filename, file.sha256]);
        let job = memo.get(key);
        if (!job) memo.set(key, (job = evaluateFile(ctx, pkg, file, indexUrl, verify)));
        jobs.push(job.then((o) => {
          files[i] = o;
          progress.done++;
          options.onProgress?.({ ...progress });
        }));
      });
    }
    return pending;
  });
  return { entries, jobs };
}

/** A lockfile's `index` is untrusted input: an insecure one is refused with its file and line. */
function indexUrlRefusal(indexUrl: string, path: string, pkg: LockedPackage): PylockAttestError | undefined {
  try {
    checkIndexUrl(indexUrl);
    return undefined;
  } catch (e) {
    if (!(e instanceof PylockAttestError)) throw e;
    return new PylockAttestError('INDEX_URL', `${e.message} (the package's \`index\` key)`, { file: path, line: pkg.line || undefined, package: pkg.name, hint: 'fix the `index` key, or pass --index-url https://… to override it' });
  }
}

function decideLockfile(entry: Pending, options: EvaluateOptions): EvaluatedLockfile {
  const { loaded } = entry;
  if (!('lock' in loaded)) return { path: loaded.path, ok: false, error: loaded.error };
  if (entry.error) return { path: loaded.path, ok: false, error: entry.error, lock: loaded.lock };
  const allowIdentityChange = options.allowIdentityChange ?? false;
  const packages = loaded.lock.model.packages.map((pkg) => decidePackage(pkg, entry.outcomes.get(pkg) ?? [], { allowIdentityChange }));
  return { path: loaded.path, ok: true, lock: loaded.lock, packages };
}
