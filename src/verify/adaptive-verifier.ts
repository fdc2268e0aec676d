/**
 * Where a run's verifications happen: on the main thread for a handful, in
 * the worker pool for more, never both at once.
 *
 * One object, four phases (`AdaptiveVerifier#phase`):
 *
 *   inline    the first `poolAfter - 1` verifications: on the main thread, one
 *             at a time, yielding to the event loop after each so that
 *             network I/O goes on (none, when the run said it expects at
 *             least `poolAfter`: see `expect`);
 *   starting  the `poolAfter`-th was asked for: the pool starts, and every
 *             job from then on, those still queued for the main thread
 *             included, waits for a worker instead of blocking the thread
 *             that keeps the network busy;
 *   pooled    a worker is ready: every job goes to the pool; one its worker
 *             lost (the worker died) is verified again inline;
 *   alone     no worker could start (no worker script when running from
 *             sources): inline, as in the first phase.
 *
 * Why so early a hand-over (docs/decisions.md): a worker installs the fast
 * DER encoder (fast-der.ts) and verifies 2–8× faster than the main thread,
 * which keeps @sigstore/core as shipped (~10 ms an attestation here); a
 * worker costs ~100–250 ms and ~0.3 s of CPU to start, on another core. Below
 * POOL_AFTER verifications the main thread is cheaper in CPU (a pre-commit
 * run that adds a package never starts a worker); from there on a worker is,
 * and the main thread is left to the network. Verdicts are the same either way.
 */
import pLimit from 'p-limit';
import type { ExpectedDistribution, Identity } from '../core/types.js';
import type { TrustRoot } from './trust.js';
import type { AttestationSource, AttestationVerdict, AttestationVerifier } from './verifier.js';
import { isLostVerdict, type VerifierPool } from './worker-pool.js';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface AdaptiveVerifierOptions {
  /** The verification at which the pool starts. Default POOL_AFTER. */
  poolAfter?: number;
  /** Workers in the pool, fixed; 0: no pool. Default: worker-pool.ts `defaultPoolSize()`, growing to `maxPoolSize()` while jobs back up. */
  poolSize?: number;
  /** A run-level warning (a worker verifies without the fast DER encoder). */
  onWarning?: (message: string) => void;
}

export interface ClosableVerifier extends AttestationVerifier {
  /**
   * How many verifications the run may still ask for, at most (its files that no kept outcome
   * answers): from `poolAfter` on, the first verification starts the pool, and the main thread
   * never loads sigstore.
   */
  expect(verifications: number): void;
  /** Stops the pool's workers, if any started. */
  close(): Promise<void>;
  /** How many verifications went where, so far. */
  readonly counts: { inline: number; pool: number };
}

/** The verification at which a run starts the pool (see above): below it, a run never starts a worker. */
export const POOL_AFTER = 32;

type Phase = 'inline' | 'starting' | 'pooled' | 'alone';

interface Job {
  attestation: Parameters<AttestationVerifier['verify']>[0];
  identity: Identity;
  expected: ExpectedDistribution;
  source: AttestationSource | undefined;
}

class AdaptiveVerifier implements ClosableVerifier {
  readonly counts = { inline: 0, pool: 0 };
  #phase: Phase = 'inline';
  #calls = 0;
  #expected = 0;
  /** Settles once a worker is ready (the pool), or none will be (undefined). */
  #pool: Promise<VerifierPool | undefined> | undefined;
  #inline: Promise<AttestationVerifier> | undefined;
  /** The main thread verifies one attestation at a time. */
  readonly #oneAtATime = pLimit(1);
  readonly #poolAfter: number;

  constructor(
    private readonly trust: Pick<TrustRoot, 'json'>,
    private readonly opts: AdaptiveVerifierOptions = {},
  ) {
    this.#poolAfter = opts.poolAfter ?? POOL_AFTER;
  }

  verify(attestation: Job['attestation'], identity: Identity, expected: ExpectedDistribution, source?: AttestationSource): Promise<AttestationVerdict> {
    const job: Job = { attestation, identity, expected, source };
    this.#calls++;
    if (this.#phase === 'inline' && this.opts.poolSize !== 0 && Math.max(this.#calls, this.#expected) >= this.#poolAfter) this.#startPool();
    return this.#phase === 'inline' || this.#phase === 'alone' ? this.#queueInline(job) : this.#viaPool(job);
  }

  expect(verifications: number): void {
    this.#expected = verifications;
  }

  async close(): Promise<void> {
    await (await this.#pool)?.close();
  }

  #startPool(): void {
    this.#phase = 'starting';
    this.#pool = createPool(this.trust, this.opts).then(async (pool) => {
      if (pool !== undefined && (await pool.ready)) {
        this.#phase = 'pooled';
        return pool;
      }
      await pool?.close();
      this.#phase = 'alone';
      return undefined;
    });
  }

  /** Inline when its turn comes, unless the pool started meanwhile. */
  async #queueInline(job: Job): Promise<AttestationVerdict> {
    const verdict = await this.#oneAtATime(() => (this.#phase === 'starting' || this.#phase === 'pooled' ? undefined : this.#verifyInline(job)));
    return verdict ?? this.#viaPool(job);
  }

  async #viaPool(job: Job): Promise<AttestationVerdict> {
    const pool = await this.#pool;
    if (pool === undefined) return this.#oneAtATime(() => this.#verifyInline(job));
    this.counts.pool++;
    const verdict = await pool.verify(job.attestation, job.identity, job.expected, job.source);
    // Lost: the worker died, which says nothing about the attestation.
    return isLostVerdict(verdict) ? this.#oneAtATime(() => this.#verifyInline(job)) : verdict;
  }

  async #verifyInline(job: Job): Promise<AttestationVerdict> {
    this.#inline ??= createInline(this.trust);
    const verifier = await this.#inline;
    this.counts.inline++;
    const verdict = await verifier.verify(job.attestation, job.identity, job.expected);
    // Let I/O and the pool's "ready" in before the next one.
    await nextTurn();
    return verdict;
  }
}

export function adaptiveVerifier(trust: Pick<TrustRoot, 'json'>, opts: AdaptiveVerifierOptions = {}): ClosableVerifier {
  return new AdaptiveVerifier(trust, opts);
}

/**
 * The main thread keeps @sigstore/core exactly as shipped: it may belong to a
 * program that imported us as a library, and we do not patch what we do not
 * own. Only our own worker threads, whose module instances are theirs alone,
 * install the faster DER encoder (fast-der.ts).
 */
async function createInline(trust: Pick<TrustRoot, 'json'>): Promise<AttestationVerifier> {
  const { createVerifier } = await import('./verifier.js');
  return createVerifier(trust);
}

/** The pool, or undefined when it cannot start (no worker script: running from sources). */
async function createPool(trust: Pick<TrustRoot, 'json'>, opts: AdaptiveVerifierOptions): Promise<VerifierPool | undefined> {
  const { startWorkerPool, defaultPoolSize, maxPoolSize } = await import('./worker-pool.js');
  const size = opts.poolSize === undefined ? { size: defaultPoolSize(), maxSize: maxPoolSize() } : { size: opts.poolSize };
  try {
    return startWorkerPool({ trust, ...size, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  } catch {
    return undefined;
  }
}
