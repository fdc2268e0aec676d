/**
 * Verification off the main thread: a pool of worker threads, each with its
 * own sigstore verifier, so CPU-bound certificate checks run on every core
 * while the main thread keeps the network busy.
 *
 * - Sized to the cores (`os.availableParallelism()`), at most 8: each worker
 *   holds its own copy of the sigstore modules (~25 MB), and past a few
 *   cores the network, not verification, bounds a run.
 * - Workers start at once and take jobs as soon as each is ready (a worker
 *   needs ~100-250 ms to load sigstore and warm up); `ready` says when the
 *   first one is, or that none could start.
 * - Jobs go to the ready worker with the fewest outstanding. A worker is
 *   ref'd only while starting or working, so an idle pool never keeps the
 *   process alive, and `close()` terminates every worker, started or not.
 * - A worker that dies returns its outstanding jobs as "lost" failures
 *   (never a pass; `isLostVerdict`), and gets no more work.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrustRoot } from './trust.js';
import type { AttestationVerdict, AttestationVerifier } from './verifier.js';
import type { VerifyJob } from './verify-worker.js';

export const MAX_WORKERS = 8;

export interface WorkerPoolOptions {
  trust: Pick<TrustRoot, 'json'>;
  /** Default: the cores available to this process, at most MAX_WORKERS. */
  size?: number;
  /** The worker script; default the compiled verify-worker.js beside this module. */
  workerUrl?: URL;
}

export interface VerifierPool extends AttestationVerifier {
  readonly size: number;
  /** Resolves true once a worker is ready for jobs, false if none could start. */
  readonly ready: Promise<boolean>;
  /** Whether a worker is ready now (jobs sent before then wait for one). */
  readonly isReady: boolean;
  close(): Promise<void>;
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_WORKERS));
}

type Settle = (verdict: AttestationVerdict) => void;
const failed = (reason: string): AttestationVerdict => ({ ok: false, stage: 'sigstore', reason });

/** Verdicts that only say "no worker answered": the caller may verify again inline. */
const LOST = new WeakSet<AttestationVerdict>();
const lost = (reason: string): AttestationVerdict => {
  const verdict = failed(reason);
  LOST.add(verdict);
  return verdict;
};

/** True for a failure that is about the pool (a worker died, none started), not about the attestation. */
export function isLostVerdict(verdict: AttestationVerdict): boolean {
  return LOST.has(verdict);
}

/**
 * Each worker's heap is capped: a verification needs little (the sigstore
 * modules and one bundle), and uncapped workers let garbage pile up to
 * ~100 MB each over a 20,000-attestation run. Measured on 2 cores: −40 MB of
 * peak RSS for 10% of throughput. A worker that hits the cap dies; its jobs
 * come back as lost and are verified inline.
 */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

class PoolWorker {
  readonly pending = new Map<number, Settle>();
  state: 'starting' | 'ready' | 'dead' = 'starting';

  constructor(
    readonly worker: Worker,
    private readonly onState: () => void,
  ) {
    // Ref'd while starting (someone may be waiting for it), then only while it has work.
    worker.on('message', (m: { id?: number; verdict?: AttestationVerdict; ready?: boolean }) => this.receive(m));
    worker.on('error', (e) => this.fail(e.message));
    worker.on('exit', (code) => this.fail(`exited with code ${code}`));
  }

  private receive(m: { id?: number; verdict?: AttestationVerdict; ready?: boolean }): void {
    if (m.ready !== undefined) {
      if (m.ready) this.state = 'ready';
      else void this.worker.terminate();
      if (this.pending.size === 0) this.worker.unref();
      this.onState();
      return;
    }
    if (m.id === undefined || m.verdict === undefined) return;
    const settle = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    settle?.(m.verdict);
  }

  run(job: VerifyJob): Promise<AttestationVerdict> {
    return new Promise((resolve) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(job.id, resolve);
      this.worker.postMessage(job);
    });
  }

  fail(why: string): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    for (const settle of this.pending.values()) settle(lost(`the verification worker stopped (${why})`));
    this.pending.clear();
    this.worker.unref();
    this.onState();
  }
}

/**
 * A worker inherits node's flags, except that --input-type (a parent started
 * with -e) would stop it loading a file; flags a worker may not take
 * (--expose-gc, …) make Node refuse them when given explicitly, so then none.
 */
function spawn(url: URL, trustedRoot: unknown): Worker {
  const options = { workerData: { trustedRoot }, resourceLimits: RESOURCE_LIMITS };
  if (!process.execArgv.some((a) => a.startsWith('--input-type'))) return new Worker(url, options);
  try {
    return new Worker(url, { ...options, execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
  } catch {
    return new Worker(url, { ...options, execArgv: [] });
  }
}

/** Spawns the workers now; throws only when there is no worker script (running from sources). */
export function startWorkerPool(opts: WorkerPoolOptions): VerifierPool {
  const url = opts.workerUrl ?? new URL('./verify-worker.js', import.meta.url);
  if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) throw new Error(`no worker script at ${url.href}`);
  const size = opts.size ?? defaultPoolSize();
  let signalReady: (ok: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (signalReady = resolve));
  const waiting: Array<() => void> = [];
  const onState = (): void => {
    const live = workers.filter((w) => w.state !== 'dead');
    if (workers.some((w) => w.state === 'ready')) signalReady(true);
    else if (live.length === 0) signalReady(false);
    // Jobs that arrived before any worker was ready go now (or fail, if none will be).
    if (workers.some((w) => w.state === 'ready') || live.length === 0) for (const go of waiting.splice(0)) go();
  };
  const workers = Array.from({ length: size }, () => new PoolWorker(spawn(url, opts.trust.json), onState));
  let nextId = 0;

  const dispatch = (attestation: unknown, identity: unknown, expected: unknown): Promise<AttestationVerdict> => {
    const ready = workers.filter((w) => w.state === 'ready');
    if (ready.length === 0) return Promise.resolve(lost('no verification worker is running'));
    const worker = ready.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    return worker.run({ id: nextId++, attestation, identity, expected });
  };

  return {
    size,
    ready,
    get isReady() {
      return workers.some((w) => w.state === 'ready');
    },
    async verify(attestation, identity, expected) {
      if (!workers.some((w) => w.state === 'ready') && workers.some((w) => w.state === 'starting')) {
        await new Promise<void>((go) => waiting.push(go));
      }
      return dispatch(attestation, identity, expected);
    },
    async close() {
      await Promise.all(
        workers.map((w) => {
          w.fail('the pool was closed');
          w.worker.removeAllListeners();
          return w.worker.terminate();
        }),
      );
    },
  };
}
