import type { FileQuery, LookupResult, ProvenanceClient, ProvenanceMode } from '../net/provenance-client.js';
import type { HttpClient } from '../net/http.js';
import type { AttestationVerifier } from '../verify/verifier.js';
import type { TrustRoot } from '../verify/trust.js';
import { USER_AGENT } from '../version.js';

/** Options every networked command shares. */
export interface NetworkOptions {
  /** Overrides every package's own `index`. */
  indexUrl?: string;
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
  offline?: boolean;
}

export const DEFAULT_CONCURRENCY = 16;

/**
 * One run's shared machinery: one dispatcher, one limiter, one provenance
 * client (with in-flight de-duplication) and one verifier, built lazily so
 * a run that needs no network loads neither undici nor sigstore.
 */
export class RunContext {
  private http: HttpClient | undefined;
  private client: ProvenanceClient | undefined;
  private verifierPromise: Promise<AttestationVerifier> | undefined;
  trust: TrustRoot | undefined;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly net: NetworkOptions, private readonly verifyOpts: Required<Pick<VerifyOptions, 'cacheDir'>> & VerifyOptions) {}

  async lookup(q: FileQuery): Promise<LookupResult> {
    const client = this.client ?? (await this.createClient());
    return client.lookup(q);
  }

  get requests(): number {
    return this.client?.requests ?? 0;
  }

  verifier(): Promise<AttestationVerifier> {
    this.verifierPromise ??= this.createVerifier();
    return this.verifierPromise;
  }

  private async createClient(): Promise<ProvenanceClient> {
    const [{ HttpClient }, { ProvenanceClient }, { default: pLimit }] = await Promise.all([
      import('../net/http.js'),
      import('../net/provenance-client.js'),
      import('p-limit'),
    ]);
    if (this.client) return this.client;
    if (this.net.deadlineMs !== undefined) {
      this.timer = setTimeout(() => this.controller.abort(new Error('overall deadline reached')), this.net.deadlineMs);
      this.timer.unref();
    }
    const concurrency = this.net.concurrency ?? DEFAULT_CONCURRENCY;
    this.http = new HttpClient({
      userAgent: USER_AGENT,
      connections: concurrency,
      ...(this.net.timeoutMs !== undefined ? { timeoutMs: this.net.timeoutMs } : {}),
      deadline: this.controller.signal,
      ...(this.net.onRequest ? { onRequest: this.net.onRequest } : {}),
    });
    const limit = pLimit(concurrency);
    this.client = new ProvenanceClient(this.http, limit, { mode: this.net.provenanceSource ?? 'auto' });
    return this.client;
  }

  private async createVerifier(): Promise<AttestationVerifier> {
    const [{ loadTrustRoot }, { createVerifier }] = await Promise.all([import('../verify/trust.js'), import('../verify/verifier.js')]);
    this.trust = await loadTrustRoot({
      cacheDir: this.verifyOpts.cacheDir,
      offline: this.verifyOpts.offline ?? false,
      ...(this.verifyOpts.trustedRoot !== undefined ? { trustedRootPath: this.verifyOpts.trustedRoot } : {}),
    });
    return createVerifier(this.trust);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.http?.close();
  }
}
