import { withIndexArchive, type LockedFile, type LockedPackage, type LockModel } from '../core/lockfile.js';
import { decidePackage, identitiesToWrite, type DecideOptions, type FileOutcome, type PackageOutcome } from '../core/outcome.js';
import { allowanceFor, judgeFindings, type Policy } from '../core/policy.js';
import { PylockAttestError } from '../errors.js';
import { checkIndexUrl, judgeIndexUrl, redactUrl } from '../net/urls.js';
import { defaultCacheDir } from './cache-dir.js';
import { readLockSource, type LockSource } from '../io/lockfile-io.js';
import type { DecisionCache } from './decision-cache.js';
import { evaluateFile, fileQuery, keptOutcome, type FileTrace } from './evaluate-file.js';
import type { FileQuery } from '../net/provenance-client.js';
import type { KeptOutcome, OutcomeCache } from './outcome-cache.js';
import { parsedLockfile, unparsedLockfile, type LoadedLockfile } from './read-lockfile.js';
import { RunContext, type NetworkOptions, type VerifyOptions } from './run-context.js';

export const DEFAULT_INDEX_URL = 'https://pypi.org/simple';

export interface EvaluateOptions extends NetworkOptions, VerifyOptions {
  /** Write identities even where they differ from the recorded ones (still reported). */
  allowIdentityChange?: boolean;
  /**
   * Progress: files evaluated so far out of the total. Before any request,
   * once per file kept from an earlier run (once with `done: 0` when none
   * was), the total already known; then once per file looked up;
   * `done === total` once, at the end.
   */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Each file of each lockfile once it is decided, with how its answer came about (the CLI's --verbose). */
  onFile?: (file: FileReport) => void;
  /**
   * The index a caller chose for a package (lock: the one its requirements
   * named, credentials included, which the written `index` key never holds).
   * Like --index-url, it overrides the package's `index` key.
   */
  indexUrlFor?: (pkg: LockedPackage) => string | undefined;
  /**
   * The audit policy ([tool.pylock-attest]): its live allowances may accept a
   * partially attested package (then its attested identities are written), and
   * each package's findings are judged by it (ignore, severity, allowances).
   */
  policy?: Policy;
  /** "Today", for allowance expiry (default: now). */
  now?: Date;
}

/** One file of one lockfile, as `onFile` reports it. */
export interface FileReport extends FileTrace {
  lockfile: string;
  package: string;
  version: string | undefined;
  filename: string;
  status: FileOutcome['status'];
  /** The URL the answer came from (credentials removed). */
  url?: string;
  detail?: string;
}

/** What evaluation reads of a lockfile: its model (lock's text to be written has no file behind it yet). */
export interface ModelOf {
  model: LockModel;
}

/**
 * One lockfile after every file was fetched and verified; nothing written
 * yet. `text` and `warnings` are its model's (lock-version), there without
 * the model: a kept decision (app/decision-cache.ts) parses nothing.
 */
export type EvaluatedLockfile<L extends ModelOf = LoadedLockfile> =
  | { path: string; ok: true; lock: L; packages: PackageOutcome[]; text: string; warnings: readonly string[] }
  | { path: string; ok: false; error: PylockAttestError; lock?: L };

export interface Evaluation<L extends ModelOf = LoadedLockfile> {
  lockfiles: Array<EvaluatedLockfile<L>>;
  /** Attestations were verified (false only with `verify: false`). */
  verification: boolean;
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
  if (options.indexUrl !== undefined) checkIndexUrl(options.indexUrl);
  const ctx = new RunContext(options, { ...options, cacheDir: options.cacheDir ?? defaultCacheDir() });
  try {
    const read = await Promise.all(paths.map((p) => readOrError(p)));
    const decisions = options.indexUrlFor === undefined && namesADay(options.now) ? await ctx.decisions(options.verify ?? true) : undefined;
    if (decisions === undefined) return await evaluateWith(ctx, read.map(parseOrError), options);
    return await evaluateDeciding(ctx, decisions, read, options);
  } finally {
    await ctx.close();
  }
}

/**
 * Decisions are kept by UTC day (allowances expire by day): a library
 * caller's `now` that names none (an invalid Date, not a Date) is decided in
 * full, as it would be without the cache, rather than thrown on in the key.
 */
function namesADay(now: Date | undefined): boolean {
  return now === undefined || (now instanceof Date && Number.isFinite(now.getTime()));
}

/**
 * With kept decisions: a lockfile decided before is taken as it was decided
 * (its model never built); the others are evaluated, and decided wholly from
 * kept outcomes, their decisions kept for the next run.
 */
async function evaluateDeciding(ctx: RunContext, decisions: DecisionCache, read: Array<Read>, options: EvaluateOptions): Promise<Evaluation> {
  const now = options.now ?? new Date();
  const keyOf = (source: LockSource): string =>
    decisions.key({
      path: source.path,
      text: source.text,
      indexUrl: options.indexUrl,
      allowIndexHosts: options.allowIndexHosts,
      allowIdentityChange: options.allowIdentityChange ?? false,
      policy: options.policy,
      now,
    });
  const keys = read.map((r) => ('source' in r ? keyOf(r.source) : undefined));
  const found = keys.map((key) => (key === undefined ? undefined : decisions.get(key)));
  const decided = read.map((r, i): EvaluatedLockfile | undefined => {
    const decision = found[i];
    if (decision === undefined || decision === 'seen' || !('source' in r)) return undefined;
    return { path: r.path, ok: true, lock: unparsedLockfile(r.source), packages: decision.packages, text: r.source.text, warnings: decision.warnings };
  });
  const misses = read.flatMap((r, i) => (decided[i] === undefined ? [{ read: r, key: keys[i], seen: found[i] === 'seen' }] : []));
  const evaluation = await evaluateWith(
    ctx,
    misses.map((m) => parseOrError(m.read)),
    { ...options, now },
    decided.filter((d) => d !== undefined),
  );
  // A decision made wholly from kept outcomes is the same next run, while they are; kept only for a lockfile that
  // already holds it (nothing to write): one about to be rewritten would never be looked up under this text again.
  const writes = misses.map(({ key, seen }, i) => {
    const entry = evaluation.lockfiles[i];
    const behind = evaluation.behind[i];
    if (key === undefined || behind === undefined || !entry?.ok) return undefined;
    if (entry.packages.some((p) => identitiesToWrite(p) !== undefined)) return undefined;
    return decisions.put(key, { packages: entry.packages, warnings: [...entry.warnings] }, behind, seen);
  });
  await Promise.all(writes);
  const fresh = evaluation.lockfiles.values();
  const lockfiles = decided.map((d) => d ?? fresh.next().value!);
  return { ...withoutBehind(evaluation), lockfiles };
}

/**
 * The same evaluation for lockfiles already in memory, on the caller's
 * RunContext: `lock` evaluates the text it is about to write, and its page
 * requests are answered from the run's cache. The caller closes `ctx`.
 */
export async function evaluateLoaded<L extends ModelOf>(
  ctx: RunContext,
  lockfiles: ReadonlyArray<{ path: string; lock: L }>,
  options: EvaluateOptions = {},
): Promise<Evaluation<L>> {
  return withoutBehind(await evaluateWith(ctx, [...lockfiles], options));
}

/** An evaluation, and per lockfile the outcome records it was decided from (undefined unless every file had one). */
type Evaluated<L extends ModelOf> = Evaluation<L> & { behind: Array<KeptOutcome[] | undefined> };

function withoutBehind<L extends ModelOf>({ behind: _, ...evaluation }: Evaluated<L>): Evaluation<L> {
  return evaluation;
}

/** `decided`: lockfiles taken from kept decisions, whose files count in the progress and are reported with the rest. */
async function evaluateWith<L extends ModelOf>(
  ctx: RunContext,
  loaded: Array<Loaded<L>>,
  options: EvaluateOptions,
  decided: readonly EvaluatedLockfile[] = [],
): Promise<Evaluated<L>> {
  const verify = options.verify ?? true;
  // Opened before any file is scheduled: every file looks there first (each lookup waited for it anyway).
  const outcomes = await ctx.outcomes(verify);
  const pending = scheduleAll(ctx, loaded, verify, outcomes, options, decided);
  await ctx.eachInWindow(pending.lookups, (lookup) => pending.evaluate(lookup));
  const lockfiles = pending.entries.map((e) => decideLockfile(e, options));
  const behind = pending.entries.map((e) => (e.behind.includes(undefined) ? undefined : (e.behind as KeptOutcome[])));
  const evaluation: Evaluated<L> = { lockfiles, verification: verify, requests: ctx.requests, behind };
  if (ctx.trust) evaluation.trustRoot = ctx.trust.source;
  return evaluation;
}

type Read = { path: string; source: LockSource } | { path: string; error: PylockAttestError };
type Loaded<L extends ModelOf = LoadedLockfile> = { path: string; lock: L } | { path: string; error: PylockAttestError };

async function readOrError(path: string): Promise<Read> {
  try {
    return { path, source: await readLockSource(path) };
  } catch (e) {
    if (e instanceof PylockAttestError) return { path, error: e };
    throw e;
  }
}

function parseOrError(read: Read): Loaded {
  if (!('source' in read)) return read;
  try {
    return { path: read.path, lock: parsedLockfile(read.source) };
  } catch (e) {
    if (e instanceof PylockAttestError) return { path: read.path, error: e };
    throw e;
  }
}

interface Pending<L extends ModelOf> {
  loaded: Loaded<L>;
  outcomes: Map<LockedPackage, FileOutcome[]>;
  /** A package as evaluated, where it differs from the lockfile's (a direct archive its index serves). */
  evaluated: Map<LockedPackage, LockedPackage>;
  /** Per file scheduled, the outcome record behind its answer; undefined where none was kept. */
  behind: Array<KeptOutcome | undefined>;
  error?: PylockAttestError;
}

/** A distinct file to look up, and every place its outcome goes (the same file in several lockfiles is looked up once). */
interface Lookup {
  file: LockedFile;
  query: FileQuery;
  waiting: Waiting[];
}

/** Where one file's outcome goes: its slot in its package's outcomes and in the lockfile's records. */
interface Waiting {
  path: string;
  listed: LockedPackage;
  files: FileOutcome[];
  index: number;
  behind: Array<KeptOutcome | undefined>;
  slot: number;
}

/**
 * Every file of every lockfile: a kept outcome is taken at once (no promise:
 * a warm run is 20,000 of these); the rest become lookups, one per distinct
 * file, as plain descriptors that `evaluate` runs when the window takes them
 * (RunContext.eachInWindow): nothing is started here.
 */
function scheduleAll<L extends ModelOf>(
  ctx: RunContext,
  loaded: Array<Loaded<L>>,
  verify: boolean,
  outcomes: OutcomeCache | undefined,
  options: EvaluateOptions,
  decided: readonly EvaluatedLockfile[],
): { entries: Array<Pending<L>>; lookups: Lookup[]; evaluate: (lookup: Lookup) => Promise<void> } {
  const memo = new Map<string, Lookup>();
  const progress = { done: 0, total: 0 };
  const reuse: FileTrace = { reused: true, lookupMs: 0, verifyMs: 0 };
  const report = (path: string, pkg: Pick<LockedPackage, 'name' | 'version'>, outcome: FileOutcome, trace: FileTrace): void => {
    progress.done++;
    options.onProgress?.({ ...progress });
    options.onFile?.(fileReport(path, pkg, outcome, trace));
  };
  /** Kept outcomes (and the files of kept decisions), reported once the total is known. */
  const kept: Array<() => void> = [];
  for (const entry of decided) {
    if (!entry.ok) continue;
    for (const pkg of entry.packages) {
      progress.total += pkg.files.length;
      for (const outcome of pkg.files) kept.push(() => report(entry.path, pkg, outcome, reuse));
    }
  }
  const entries = loaded.map((entry) => {
    const pending: Pending<L> = { loaded: entry, outcomes: new Map(), evaluated: new Map(), behind: [] };
    if (!('lock' in entry)) return pending;
    const refusal = indexRefusals(entry.path, entry.lock.model.packages, options.allowIndexHosts);
    for (const listed of entry.lock.model.packages) {
      const chosen = options.indexUrl ?? options.indexUrlFor?.(listed);
      const indexUrl = chosen ?? listed.indexUrl ?? DEFAULT_INDEX_URL;
      const pkg = withIndexArchive(listed, indexUrl);
      if (pkg.skip !== undefined) continue;
      if (pkg !== listed) pending.evaluated.set(listed, pkg);
      const refused = refusal(pkg, chosen);
      if (refused) {
        pending.error ??= refused;
        continue;
      }
      const files: FileOutcome[] = new Array(pkg.files.length);
      pending.outcomes.set(listed, files);
      pkg.files.forEach((file, index) => {
        progress.total++;
        const query = fileQuery(pkg, file, indexUrl);
        const slot = pending.behind.push(undefined) - 1;
        const known = keptOutcome(outcomes, query);
        if (known !== undefined) {
          files[index] = known.outcome;
          pending.behind[slot] = known;
          kept.push(() => report(entry.path, listed, known.outcome, reuse));
          return;
        }
        const key = JSON.stringify([indexUrl, pkg.project, pkg.version, file.filename, file.sha256]);
        const waiting: Waiting = { path: entry.path, listed, files, index, behind: pending.behind, slot };
        const lookup = memo.get(key);
        if (lookup === undefined) memo.set(key, { file, query, waiting: [waiting] });
        else lookup.waiting.push(waiting);
      });
    }
    return pending;
  });
  const lookups = [...memo.values()];
  memo.clear(); // its keys (~200 bytes a file) are needed only to find duplicates, not while the lookups run
  ctx.expectLookups(lookups.length);
  // Progress says the total (and what was kept) before the first lookup starts, even when nothing was kept.
  if (kept.length === 0) options.onProgress?.({ ...progress });
  for (const report of kept) report();
  kept.length = 0; // evaluate's closure shares this scope: the reports are not kept for the network phase
  const evaluate = async ({ file, query, waiting }: Lookup): Promise<void> => {
    const trace: FileTrace = { reused: false, lookupMs: 0, verifyMs: 0 };
    const { outcome, kept } = await evaluateFile(ctx, file, query, verify, trace);
    for (const w of waiting) {
      w.files[w.index] = outcome;
      w.behind[w.slot] = kept;
      report(w.path, w.listed, outcome, trace);
    }
  };
  return { entries, lookups, evaluate };
}

function fileReport(lockfile: string, pkg: Pick<LockedPackage, 'name' | 'version'>, outcome: FileOutcome, trace: FileTrace): FileReport {
  const report: FileReport = { lockfile, package: pkg.name, version: pkg.version, filename: outcome.filename, status: outcome.status, ...trace };
  if (outcome.source !== undefined) report.url = outcome.source;
  if (outcome.detail !== undefined) report.detail = outcome.detail;
  return report;
}

/**
 * A lockfile's `index` is untrusted input (urls.ts `judgeIndexUrl`); an
 * index the caller chose overrides it and obeys the URL rules only. The
 * refusal's hint lists every host the lockfile names that is not allowed,
 * gathered once per lockfile, so a lockfile of many refused packages costs
 * one pass, not one per package.
 */
function indexRefusals(path: string, packages: readonly LockedPackage[], allowed: readonly string[] | undefined) {
  let hosts: string | undefined;
  return (pkg: LockedPackage, chosen: string | undefined): PylockAttestError | undefined => {
    const judged = judgeIndexUrl(chosen ?? pkg.indexUrl ?? DEFAULT_INDEX_URL, chosen === undefined && pkg.indexUrl !== undefined, allowed);
    if (judged.refused === undefined) return undefined;
    const where = { file: path, line: pkg.line || undefined, package: pkg.name };
    if (judged.refused === 'insecure') {
      return new PylockAttestError('INDEX_URL', `${judged.error.message} (the package's \`index\` key)`, {
        ...where,
        hint: 'fix the `index` key, or pass --index-url https://… to override it',
      });
    }
    hosts ??= unexpectedHosts(packages, allowed).join(',');
    return new PylockAttestError('INDEX_URL', `the package's \`index\` is ${redactUrl(judged.url)}: not a host this run was told to query`, {
      ...where,
      hint: `pass --allow-index-host ${hosts} if you trust ${hosts.includes(',') ? 'those indexes' : 'that index'}, or --index-url to query one index for every package`,
    });
  };
}

/** Every host the lockfile's `index` keys name that is not allowed, for one message listing them all. */
function unexpectedHosts(packages: readonly LockedPackage[], allowed: readonly string[] | undefined): string[] {
  const hosts = new Set<string>();
  for (const pkg of packages) {
    if (pkg.indexUrl === undefined) continue;
    const judged = judgeIndexUrl(pkg.indexUrl, true, allowed);
    if (judged.refused === 'host') hosts.add(judged.url.host); // an insecure one is reported on its own
  }
  return [...hosts].sort();
}

function decideLockfile<L extends ModelOf>(entry: Pending<L>, options: EvaluateOptions): EvaluatedLockfile<L> {
  const { loaded } = entry;
  if (!('lock' in loaded)) return { path: loaded.path, ok: false, error: loaded.error };
  if (entry.error) return { path: loaded.path, ok: false, error: entry.error, lock: loaded.lock };
  const { policy } = options;
  const now = options.now ?? new Date();
  const decide: DecideOptions = { allowIdentityChange: options.allowIdentityChange ?? false };
  if (policy !== undefined) decide.allowanceFor = (f) => allowanceFor(policy, now, f);
  const packages = loaded.lock.model.packages.map((pkg) => {
    const outcome = decidePackage(entry.evaluated.get(pkg) ?? pkg, entry.outcomes.get(pkg) ?? [], decide);
    return policy === undefined ? outcome : { ...outcome, findings: judgeFindings(outcome.findings, policy, now) };
  });
  const { document, warnings } = loaded.lock.model;
  return { path: loaded.path, ok: true, lock: loaded.lock, packages, text: document.text, warnings };
}
