import path from 'node:path';
import type { FileQuery, LookupResult, ProvenanceClient, ProvenanceMode, ProjectFilesResult } from '../net/provenance-client.js';
import type { HttpClient, HttpGetter } from '../net/http.js';
import type { OutcomeCache } from './outcome-cache.js';
import type { CachingHttp } from '../net/http-cache.js';
import type { ClosableVerifier } from '../verify/adaptive-verifier.js';
import type { NamedAttestationVerifier } from '../verify/verdict-cache.js';
import type { TrustRoot } from '../verify/trust.js';
import { USER_AGENT } from '../version.js';

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
}

export const DEFAULT_CONCURRENCY = 16;
/** Files between "lookup started" and "verified" at once (see RunContext.inWindow). */
export const EVALUATION_WINDOW = 128;

/** A counting semaphore, first come first served (20,000 waiters: no Array.shift). */
class Window {
  #active = 0;
  #waiting: Array<() => void> = [];
  #head = 0;

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.size) await new Promise<void>((go) => this.#waiting.push(go));
    else this.#active++;
    try {
      return await work();
    } finally {
      const next = this.#next();
      if (next) next(); // the slot passes straight to the next in line
      else this.#active--;
    }
  }

  #next(): (() => void) | undefined {
    if (this.#head >= this.#waiting.length) return undefined;
    const next = this.#waiting[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    return next;
  }
}

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
  private verifierPromise: Promise<NamedAttestationVerifier> | undefined;
  private engine: ClosableVerifier | undefined;
  /** Cache stores to release at the end of the run. */
  private readonly closers: Array<() => void> = [];
  private readonly outcomeCaches = new Map<boolean, Promise<OutcomeCache>>();
  trust: TrustRoot | undefined;
  private readonly window = new Window(EVALUATION_WINDOW);
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly net: NetworkOptions, private readonly verifyOpts: Required<Pick<VerifyOptions, 'cacheDir'>> & VerifyOptions) {}

  async lookup(q: FileQuery): Promise<LookupResult> {
    // The trusted root loads while the first answers arrive, not after them.
    if (this.verifyOpts.verify !== false && this.verifierPromise === undefined) this.verifier().catch(() => undefined);
    // One client for the run, however many lookups race to build it: in-flight de-duplication lives in it.
    const client = this.client ?? (await (this.clientPromise ??= this.createClient()));
    return client.lookup(q);
  }

  /**
   * Runs one file's evaluation (lookup, then verification) inside the run's
   * window of files in progress. Lookups finish faster than verification
   * (always, on a warm cache), and each finished one holds its parsed
   * provenance until verified: the window bounds that memory (a 20,000-file
   * run stays ~EVALUATION_WINDOW files deep) while keeping several times more
   * files in progress than requests in flight.
   */
  inWindow<T>(evaluate: () => Promise<T>): Promise<T> {
    return this.window.run(evaluate);
  }

  /** A project page's files, for `lock`: the same client and page cache as lookup(). */
  async projectFiles(indexUrl: string, project: string): Promise<ProjectFilesResult> {
    const client = this.client ?? (await (this.clientPromise ??= this.createClient()));
    return client.projectFiles(indexUrl, project);
  }

  /** Requests sent to the network: answers from the cache are not counted. */
  get requests(): number {
    return this.cachingHttp?.stats.network ?? this.client?.requests ?? 0;
  }

  private get cacheEnabled(): boolean {
    return this.verifyOpts.cache ?? this.verifyOpts.offline ?? false;
  }

  /** HTTP answers: checksummed records in append-only segments. Loaded only when a cache is used. */
  private async httpStore() {
    const { SegmentStore } = await import('../io/segment-store.js');
    const store = new SegmentStore(path.join(this.verifyOpts.cacheDir, 'http-v1'));
    this.closers.push(() => store.close());
    return store;
  }

  /** Positive verdicts: small, many, all wanted at once, so append-only log segments. */
  private async verdictStore() {
    const { LogCacheStore } = await import('../io/cache-log.js');
    const store = new LogCacheStore(path.join(this.verifyOpts.cacheDir, 'verdicts-v1'));
    this.closers.push(() => store.close());
    return store;
  }

  /**
   * The outcome cache (app/outcome-cache.ts), when caching. With `verify`,
   * the trusted root loads first: its digest is part of every key.
   */
  outcomes(verify: boolean): Promise<OutcomeCache | undefined> {
    if (!this.cacheEnabled) return Promise.resolve(undefined);
    let pending = this.outcomeCaches.get(verify);
    if (pending === undefined) this.outcomeCaches.set(verify, (pending = this.createOutcomes(verify)));
    return pending;
  }

  /** Until when outcomes decided now may be reused: see CachingHttp.horizon. */
  get freshHorizon(): number {
    return this.cachingHttp?.horizon ?? Number.NEGATIVE_INFINITY;
  }

  private async createOutcomes(verify: boolean): Promise<OutcomeCache> {
    if (verify) await this.verifier();
    const [{ OutcomeCache }, { LogCacheStore }] = await Promise.all([import('./outcome-cache.js'), import('../io/cache-log.js')]);
    const store = new LogCacheStore(path.join(this.verifyOpts.cacheDir, 'outcomes-v1'));
    this.closers.push(() => store.close());
    const context = { verify, mode: this.net.provenanceSource ?? 'auto', offline: this.verifyOpts.offline === true };
    return new OutcomeCache(store, verify ? { ...context, trustDigest: this.trust!.digest } : context);
  }

  verifier(): Promise<NamedAttestationVerifier> {
    this.verifierPromise ??= this.createVerifier();
    return this.verifierPromise;
  }

  private async createClient(): Promise<ProvenanceClient> {
    if (this.net.deadlineMs !== undefined) {
      this.timer = setTimeout(() => this.controller.abort(new Error('overall deadline reached')), this.net.deadlineMs);
      this.timer.unref();
    }
    const [{ ProvenanceClient }, { default: pLimit }] = await Promise.all([import('../net/provenance-client.js'), import('p-limit')]);
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
    if (!this.cacheEnabled) return this.createHttp();
    const [{ CachingHttp }, store] = await Promise.all([import('../net/http-cache.js'), this.httpStore()]);
    const offline = this.verifyOpts.offline === true;
    let http: Promise<HttpClient> | undefined;
    this.cachingHttp = new CachingHttp(offline ? undefined : () => (http ??= this.createHttp()), store, { offline });
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
  private async createVerifier(): Promise<NamedAttestationVerifier> {
    const [{ loadTrustRoot }, { adaptiveVerifier }] = await Promise.all([import('../verify/trust.js'), import('../verify/adaptive-verifier.js')]);
    this.trust = await loadTrustRoot({
      cacheDir: this.verifyOpts.cacheDir,
      offline: this.verifyOpts.offline ?? false,
      ...(this.verifyOpts.trustedRoot !== undefined ? { trustedRootPath: this.verifyOpts.trustedRoot } : {}),
    });
    this.engine = adaptiveVerifier(this.trust);
    if (!this.cacheEnabled) return this.engine;
    const [{ VerdictCache, cachedVerifier }, store] = await Promise.all([import('../verify/verdict-cache.js'), this.verdictStore()]);
    return cachedVerifier(new VerdictCache(store, this.trust.digest), this.engine);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.cachingHttp?.flush();
    for (const close of this.closers) close();
    await Promise.all([this.http?.close(), this.engine?.close()]);
  }
}
