import pLimit, { type LimitFunction } from 'p-limit';
import { PylockAttestError } from '../errors.js';
import type { OpenCache } from '../io/cache-access.js';
import type { FileQuery, LookupResult, ProvenanceClient, ProvenanceMode, ProjectFilesResult } from '../net/provenance-client.js';
import type { HttpClient, HttpGetter } from '../net/http.js';
import type { DecisionCache } from './decision-cache.js';
import type { OutcomeCache } from './outcome-cache.js';
import type { CachingHttp } from '../net/http-cache.js';
import type { ClosableVerifier } from '../verify/adaptive-verifier.js';
import type { TrustRoot } from '../verify/trust.js';
import type { AttestationVerifier } from '../verify/verifier.js';
import { USER_AGENT } from '../version.js';
import { defaultStateDir } from './cache-dir.js';

/** Options every networked command shares. */
export interface NetworkOptions {
  /** Overrides every package's own `index`. */
  indexUrl?: string;
  /** Hosts a package's `index` key may name besides pypi.org and test.pypi.org (`host` or `host:port`). */
  allowIndexHosts?: readonly string[];
  /** Requests in flight at once, across every lockfile of the run. */
  concurrency?: number;
  provenanceSource?: ProvenanceMode;
  /** Per-request deadline. */
  timeoutMs?: number;
  /** Give up on the whole run after this long. */
  deadlineMs?: number;
  /** Called once per HTTP attempt (used for request counts). */
  onRequest?: (info: { method: string; url: string }) => void;
}

export interface VerifyOptions {
  /** Verify attestations (default true). Off: identities come from the index's claims. */
  verify?: boolean;
  /** A trusted_root.json to use instead of TUF. */
  trustedRoot?: string;
  cacheDir?: string;
  /**
   * Keep HTTP answers, positive verdicts and file outcomes under `cacheDir`
   * and use them in later runs (answers revalidated per Cache-Control/ETag,
   * outcomes only while those answers are fresh). Default: off for library
   * calls, on in the CLI (`--no-cache` turns it off); on when `offline`.
   */
  cache?: boolean;
  /** No network at all: answers come from the cache only, and the trusted root from its cached or embedded copy. */
  offline?: boolean;
  /**
   * Where the key that authenticates the cache lives (io/cache-access.ts):
   * the user's state directory by default, or $PYLOCK_ATTEST_STATE_DIR.
   */
  stateDir?: string;
  /**
   * Ask the index about every cached answer however fresh (a 304 confirms
   * it), and reuse no file outcome: `check`, the CI gate, judges the index
   * as it is now. Verdicts are still reused (a verdict is a pure function
   * of the bytes).
   */
  revalidate?: boolean;
  /** A run-level warning for the user: the cache not used, the trusted root's fallback. */
  onWarning?: (message: string) => void;
}

export const DEFAULT_CONCURRENCY = 16;
/** The most a TUF refresh may take, all its requests together (each also bounded by --timeout and --deadline). */
export const TUF_BUDGET_MS = 15_000;
/** Files between "lookup started" and "verified" at once (see RunContext.eachInWindow). */
export const EVALUATION_WINDOW = 128;

/**
 * One run's shared machinery: one dispatcher, one limiter, one provenance
 * client (with in-flight de-duplication) and one verifier, built lazily so
 * a run that needs no network loads neither undici nor sigstore.
 */
export class RunContext {
  private http: HttpClient | undefined;
  private cachingHttp: CachingHttp | undefined;
  private client: ProvenanceClient | undefined;
  private clientPromise: Promise<ProvenanceClient> | undefined;
  private verifierPromise: Promise<AttestationVerifier> | undefined;
  private engine: ClosableVerifier | undefined;
  /** Files this run has to look up (none answered by a kept outcome), across every evaluation in it. */
  private lookupsExpected = 0;
  private cachePromise: Promise<OpenCache | undefined> | undefined;
  /** Cache stores to release at the end of the run. */
  private readonly closers: Array<() => void> = [];
  private readonly outcomeCaches = new Map<boolean, Promise<OutcomeCache | undefined>>();
  private readonly decisionCaches = new Map<boolean, Promise<DecisionCache | undefined>>();
  trust: TrustRoot | undefined;
  /** The run's one primitive for "at most N at once, first come first served" (p-limit), here for files in progress. */
  private readonly window: LimitFunction = pLimit(EVALUATION_WINDOW);
  /** Aborted when --deadline passes: every request of the run, TUF's included, ends then. */
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly net: NetworkOptions,
    private readonly verifyOpts: Required<Pick<VerifyOptions, 'cacheDir'>> & VerifyOptions,
  ) {
    // Offline, the cache is the only source: without it a lookup would go to the network (the CLI refuses --offline --no-cache alike).
    if (verifyOpts.offline === true && verifyOpts.cache === false)
      throw new PylockAttestError('USAGE', 'offline answers from the cache, and `cache: false` turns it off', { hint: 'drop one of the two' });
  }

  /** --deadline counts from the run's first network work (a lookup, a page, the TUF refresh), whichever comes first. */
  private armDeadline(): void {
    if (this.net.deadlineMs === undefined || this.timer !== undefined) return;
    this.timer = setTimeout(() => this.controller.abort(new Error('overall deadline reached')), this.net.deadlineMs);
    this.timer.unref();
  }

  async lookup(q: FileQuery): Promise<LookupResult> {
    this.armDeadline();
    // The trusted root loads while the first answers arrive, not after them.
    if (this.verifyOpts.verify !== false && this.verifierPromise === undefined) this.verifier().catch(() => undefined);
    const client = this.client ?? (await this.clientOnce());
    return client.lookup(q);
  }

  /**
   * Evaluates each item (one file: lookup, then verification) inside the
   * run's window of files in progress, taking the next item only as a place
   * frees up. Lookups finish faster than verification (always, on a warm
   * cache), and each finished one holds its parsed provenance until verified:
   * the window bounds that memory (a 20,000-file run stays ~EVALUATION_WINDOW
   * files deep) while keeping several times more files in progress than
   * requests in flight. Pulled, not queued: a 20,000-file run holds its
   * 20,000 descriptors, not a promise and a closure per file made up front.
   * After a failure no further item starts; once those in progress have
   * ended (nothing of the run is left working), the first failure is thrown.
   */
  async eachInWindow<T>(items: readonly T[], evaluate: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const pull = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const item = items[next++]!;
        try {
          await this.window(() => evaluate(item));
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(EVALUATION_WINDOW, items.length) }, pull));
    if (failure !== undefined) throw failure.error;
  }

  /**
   * Says how many files the run will look up (those no kept outcome answers):
   * each may need verifying, and a verifier told enough of them starts its
   * worker pool at the first verification instead of verifying inline.
   */
  expectLookups(files: number): void {
    this.lookupsExpected += files;
    this.engine?.expect(this.lookupsExpected);
  }

  /** A project page's files, for `lock`: the same client and page cache as lookup(). */
  async projectFiles(indexUrl: string, project: string): Promise<ProjectFilesResult> {
    this.armDeadline();
    const client = this.client ?? (await this.clientOnce());
    return client.projectFiles(indexUrl, project);
  }
  /** One client for the run, however many lookups race to build it: in-flight de-duplication lives in it. */
  private clientOnce(): Promise<ProvenanceClient> {
    this.clientPromise ??= this.createClient();
    return this.clientPromise;
  }

  /** Requests sent to the network: answers from the cache are not counted. */
  get requests(): number {
    return this.cachingHttp?.stats.network ?? this.client?.requests ?? 0;
  }

  private get cacheEnabled(): boolean {
    return this.verifyOpts.cache ?? this.verifyOpts.offline ?? false;
  }

  /**
   * The cache directory and its key, opened once (io/cache-access.ts). One
   * that may not be used (other users can write it, the key is not private)
   * is not used at all, with a warning; offline, where the cache is the only
   * source, that is a usage error.
   */
  private cache(): Promise<OpenCache | undefined> {
    if (!this.cacheEnabled) return Promise.resolve(undefined);
    this.cachePromise ??= this.openCache();
    return this.cachePromise;
  }

  private async openCache(): Promise<OpenCache | undefined> {
    const { openCache } = await import('../io/cache-access.js');
    const opening = openCache(this.verifyOpts.cacheDir, this.verifyOpts.stateDir ?? defaultStateDir());
    if (opening.ok) return opening.cache;
    if (this.verifyOpts.offline === true) {
      throw new PylockAttestError('USAGE', `--offline answers from the cache, and the cache cannot be used: ${opening.problem}`, { hint: opening.hint });
    }
    this.warn(`not using the cache: ${opening.problem}; ${opening.hint}`);
    return undefined;
  }

  /** A store of the cache (io/cache-store.ts), released at close(). */
  private async store(name: string, opts: { maxEntryBytes?: number; maxTotalBytes?: number; compactAt?: number } = {}) {
    const cache = await this.cache();
    if (cache === undefined) return undefined;
    const store = cache.store(name, opts);
    this.closers.push(() => store.close());
    return store;
  }

  private warn(message: string): void {
    this.verifyOpts.onWarning?.(message);
  }

  /**
   * The outcome cache (app/outcome-cache.ts), when caching and not
   * revalidating. With `verify`, the trusted root loads first: its digest is
   * part of every key.
   */
  outcomes(verify: boolean): Promise<OutcomeCache | undefined> {
    if (!this.cacheEnabled || this.verifyOpts.revalidate === true) return Promise.resolve(undefined);
    return once(this.outcomeCaches, verify, () => this.createOutcomes(verify));
  }

  /**
   * Kept decisions of whole lockfiles (app/decision-cache.ts), wherever
   * outcomes are kept. A decision is one record per lockfile, as large as
   * its outcomes together (~10 MB for 20,000 files); the store keeps the
   * newest 256 MiB of them through a compaction.
   */
  decisions(verify: boolean): Promise<DecisionCache | undefined> {
    return once(this.decisionCaches, verify, () => this.createDecisions(verify));
  }

  private async createDecisions(verify: boolean): Promise<DecisionCache | undefined> {
    const outcomes = await this.outcomes(verify);
    if (outcomes === undefined) return undefined;
    const [{ DecisionCache }, store] = await Promise.all([
      import('./decision-cache.js'),
      this.store('decisions', { maxEntryBytes: 64 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024 }),
    ]);
    return store === undefined ? undefined : new DecisionCache(store, outcomes);
  }

  /** Until when outcomes decided now may be reused: see CachingHttp.horizon. */
  get freshHorizon(): number {
    return this.cachingHttp?.horizon ?? Number.NEGATIVE_INFINITY;
  }

  private async createOutcomes(verify: boolean): Promise<OutcomeCache | undefined> {
    if (verify) await this.verifier();
    const [{ OutcomeCache }, store] = await Promise.all([import('./outcome-cache.js'), this.store('outcomes', { maxEntryBytes: 64 * 1024 })]);
    if (store === undefined) return undefined;
    const context = { verify, mode: this.net.provenanceSource ?? 'auto', offline: this.verifyOpts.offline === true };
    return new OutcomeCache(store, verify ? { ...context, trustDigest: this.trust!.digest } : context);
  }

  verifier(): Promise<AttestationVerifier> {
    this.verifierPromise ??= this.createVerifier();
    return this.verifierPromise;
  }

  private async createClient(): Promise<ProvenanceClient> {
    const { ProvenanceClient } = await import('../net/provenance-client.js');
    const getter = await this.httpGetter();
    this.client = new ProvenanceClient(getter, pLimit(this.net.concurrency ?? DEFAULT_CONCURRENCY), { mode: this.net.provenanceSource ?? 'auto' });
    return this.client;
  }

  /**
   * The cache, with the HTTP client behind it built on its first miss (a
   * warm run never loads undici); offline there is none, so nothing can
   * reach the network.
   */
  private async httpGetter(): Promise<HttpGetter> {
    const store = await this.store('http', { compactAt: 24 });
    if (store === undefined) return this.createHttp();
    const { CachingHttp } = await import('../net/http-cache.js');
    const offline = this.verifyOpts.offline === true;
    let http: Promise<HttpClient> | undefined;
    this.cachingHttp = new CachingHttp(offline ? undefined : () => (http ??= this.createHttp()), store, {
      offline,
      revalidate: this.verifyOpts.revalidate === true,
    });
    return this.cachingHttp;
  }

  private async createHttp(): Promise<HttpClient> {
    const [{ HttpClient }, { hostsUserNamed }] = await Promise.all([import('../net/http.js'), import('../net/urls.js')]);
    const concurrency = this.net.concurrency ?? DEFAULT_CONCURRENCY;
    this.http = new HttpClient({
      userAgent: USER_AGENT,
      connections: concurrency,
      userNamedHosts: hostsUserNamed(this.net.indexUrl, this.net.allowIndexHosts),
      ...(this.net.timeoutMs !== undefined ? { timeoutMs: this.net.timeoutMs } : {}),
      deadline: this.controller.signal,
      ...(this.net.onRequest ? { onRequest: this.net.onRequest } : {}),
    });
    return this.http;
  }

  /**
   * Verdict cache (when caching) → inline verifier for a small run, worker
   * pool for a large one. A warm run answers from the cache and never loads
   * the verifier or starts a worker.
   */
  private async createVerifier(): Promise<AttestationVerifier> {
    const [{ loadTrustRoot }, { adaptiveVerifier }, trustStore] = await Promise.all([
      import('../verify/trust.js'),
      import('../verify/adaptive-verifier.js'),
      this.store('trust'),
    ]);
    const offline = this.verifyOpts.offline === true;
    this.trust = await loadTrustRoot({
      offline,
      ...(this.verifyOpts.trustedRoot !== undefined ? { trustedRootPath: this.verifyOpts.trustedRoot } : {}),
      ...(trustStore !== undefined ? { store: trustStore } : {}),
      ...(offline ? {} : { refresh: () => this.refreshTrustedRoot() }),
    });
    this.engine = adaptiveVerifier(this.trust, { onWarning: (message) => this.warn(message) });
    this.engine.expect(this.lookupsExpected);
    const store = await this.store('verdicts', { maxEntryBytes: 64 * 1024 });
    const { VerdictCache, cachedVerifier } = await import('../verify/verdict-cache.js');
    const verifier = store === undefined ? this.engine : cachedVerifier(new VerdictCache(store, this.trust.digest), this.engine);
    const { fallbackReason, source } = this.trust;
    // Said when the root is first used: a run the index could not answer verifies nothing, and repeating its network cause would only add noise.
    return fallbackReason === undefined
      ? verifier
      : onFirstUse(verifier, () => this.warn(`Sigstore trusted root: using the ${source} copy (${fallbackReason})`));
  }

  /**
   * trusted_root.json through TUF (verify/tuf-refresh.ts), from the root
   * embedded in @sigstore/tuf, in a scratch directory that is removed after:
   * nothing of TUF's is kept in or read from the cache. Its requests go
   * through our HTTP client (the user's proxy), each within --timeout, all
   * within the run's --deadline and TUF_BUDGET_MS; the race below ends the
   * refresh at those bounds even if a request has not noticed them yet.
   */
  private async refreshTrustedRoot(): Promise<Uint8Array> {
    this.armDeadline();
    const [{ HttpClient }, { refreshTrustedRoot, embeddedSeed }, { makeScratchDir }] = await Promise.all([
      import('../net/http.js'),
      import('../verify/tuf-refresh.js'),
      import('../io/scratch-dir.js'),
    ]);
    const budget = AbortSignal.timeout(TUF_BUDGET_MS);
    const bounds = AbortSignal.any([this.controller.signal, budget]);
    const http = new HttpClient({
      userAgent: USER_AGENT,
      connections: 2,
      retries: 1,
      deadline: bounds,
      ...(this.net.timeoutMs !== undefined ? { timeoutMs: this.net.timeoutMs } : {}),
    });
    const scratch = makeScratchDir('pylock-attest-tuf-', { 'root.json': (await embeddedSeed()).tufRoot });
    try {
      return await untilAborted(refreshTrustedRoot(http, scratch.dir), bounds, () =>
        this.controller.signal.aborted ? 'the run deadline (--deadline) was reached' : `no answer within ${TUF_BUDGET_MS / 1000} s`,
      );
    } finally {
      scratch.remove();
      // Not awaited: the run goes on without the trusted root's mirror; the client hangs up on its own time.
      http.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.cachingHttp?.flush();
    for (const close of this.closers) close();
    await Promise.all([this.http?.close(), this.engine?.close()]);
  }
}

/** `work`, or a rejection as soon as `signal` aborts (with `why()` as the message). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, why: () => string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(why()));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(why()));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `inner`, calling `first` once, before its first verification. */
function onFirstUse(inner: AttestationVerifier, first: () => void): AttestationVerifier {
  let pending: (() => void) | undefined = first;
  return {
    verify(...args) {
      pending?.();
      pending = undefined;
      return inner.verify(...args);
    },
  };
}

/** What `map` holds under `key`, made by `create` the first time it is asked for (a run's caches: one per verify mode). */
function once<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
