/**
 * Inline verification for a small run, the worker pool for a large one,
 * with no pause in between.
 *
 * Jobs queue here. The main thread verifies them one at a time, yielding to
 * the event loop after each, so network I/O goes on and the pool's "ready"
 * is heard. Once `poolAfter` verifications have been asked for, the pool
 * starts in the background; when a worker is ready, every queued and later
 * job goes to the pool. Measured on 2 cores (bench/run.ts): a worker costs
 * ~100-250 ms to start and warm up, so a burst of up to ~2,000 verifications
 * is no faster in the pool than inline; the pool pays off in a cold run,
 * where it keeps the event loop free for the network (300 × 20 files:
 * 24.5 s against 26.2 s inline), and with more cores. So a small run (the
 * pre-commit case) never starts a worker, and a large one never waits for
 * one. With one core, or no worker script (running from sources),
 * everything stays inline. Verdicts are the same either way.
 */
import type { ExpectedDistribution, Identity } from '../core/types.js';
import type { TrustRoot } from './trust.js';
import type { AttestationVerdict, AttestationVerifier } from './verifier.js';
import { isLostVerdict, type VerifierPool } from './worker-pool.js';

export interface AdaptiveVerifierOptions {
  /** The verification at which the pool starts. Default POOL_AFTER. */
  poolAfter?: number;
  /** Workers in the pool; below 2 there is no pool. Default: the cores, at most 8. */
  poolSize?: number;
}

export interface ClosableVerifier extends AttestationVerifier {
  /** Stops the pool's workers, if any started. */
  close(): Promise<void>;
  /** How many verifications went where, so far. */
  readonly counts: { inline: number; pool: number };
}

/** Below this many verifications a run never starts workers (see above). */
export const POOL_AFTER = 128;

interface Job {
  attestation: Parameters<AttestationVerifier['verify']>[0];
  identity: Identity;
  expected: ExpectedDistribution;
  resolve: (v: AttestationVerdict | Promise<AttestationVerdict>) => void;
  reject: (e: unknown) => void;
}

export function adaptiveVerifier(trust: Pick<TrustRoot, 'json'>, opts: AdaptiveVerifierOptions = {}): ClosableVerifier {
  const poolAfter = opts.poolAfter ?? POOL_AFTER;
  const counts = { inline: 0, pool: 0 };
  const queue = new JobQueue();
  let calls = 0;
  let draining = false;
  let inline: Promise<AttestationVerifier> | undefined;
  let pool: Promise<VerifierPool | undefined> | undefined;
  let ready: VerifierPool | undefined;

  /** To the pool; a job its workers lost (one died) is verified again inline. */
  const toPool = (p: VerifierPool, job: Job): void => {
    counts.pool++;
    job.resolve(
      p.verify(job.attestation, job.identity, job.expected).then(async (verdict) => {
        if (!isLostVerdict(verdict)) return verdict;
        counts.inline++;
        inline ??= createInline(trust);
        return (await inline).verify(job.attestation, job.identity, job.expected);
      }),
    );
  };

  const drain = async (): Promise<void> => {
    draining = true;
    try {
      inline ??= createInline(trust);
      const verifier = await inline;
      for (let job = queue.take(); job !== undefined; job = queue.take()) {
        if (ready !== undefined) {
          toPool(ready, job);
          continue;
        }
        counts.inline++;
        job.resolve(await verifier.verify(job.attestation, job.identity, job.expected));
        // Let I/O and the pool's "ready" in before the next one.
        await new Promise((next) => setImmediate(next));
      }
    } catch (e) {
      for (let job = queue.take(); job !== undefined; job = queue.take()) job.reject(e);
    } finally {
      draining = false;
    }
  };

  return {
    counts,
    verify(attestation, identity, expected) {
      if (++calls >= poolAfter && pool === undefined) {
        pool = createPool(trust, opts.poolSize);
        void pool.then(async (p) => {
          if (p !== undefined && (await p.ready)) ready = p;
        });
      }
      return new Promise((resolve, reject) => {
        const job = { attestation, identity, expected, resolve, reject };
        if (ready !== undefined) return toPool(ready, job);
        queue.put(job);
        if (!draining) void drain();
      });
    },
    async close() {
      await (await pool)?.close();
    },
  };
}

/** FIFO without Array.shift's O(n) per take (a cold run may queue 20k jobs). */
class JobQueue {
  #items: Job[] = [];
  #head = 0;

  put(job: Job): void {
    this.#items.push(job);
  }

  take(): Job | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const job = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return job;
  }
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

/** The pool, or undefined when it cannot help (one core) or cannot start. */
async function createPool(trust: Pick<TrustRoot, 'json'>, size: number | undefined): Promise<VerifierPool | undefined> {
  const { startWorkerPool, defaultPoolSize } = await import('./worker-pool.js');
  const workers = size ?? defaultPoolSize();
  if (workers < 2) return undefined;
  try {
    return startWorkerPool({ trust, size: workers });
  } catch {
    return undefined;
  }
}
