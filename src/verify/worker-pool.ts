/**
 * Verification off the main thread: a pool of worker threads, each with its
 * own sigstore verifier, so CPU-bound certificate checks run on every core
 * while the main thread keeps the network busy.
 *
 * - It starts with one worker per core but one (`os.availableParallelism()
 *   - 1`, at least one, at most 8): the main thread keeps a core for the
 *   network, the caches and the lockfile, which is what bounds a cold run
 *   (measured on 2 cores, docs/decisions.md); each worker also holds its own
 *   copy of the sigstore modules (~22 MiB). A worker verifies faster than the
 *   main thread can (it installs fast-der.ts), so even one core gets one.
 * - When more than BACKLOG_PER_WORKER jobs per worker have been waiting for
 *   BEHIND_MS, verification and not the network bounds the run (a real PyPI
 *   attestation costs ~5 ms, more than 16 requests in flight deliver): it
 *   adds a worker, up to `maxSize` (one per core), and the main thread's core
 *   goes to verifying. The burst queued while the first worker starts drains
 *   well within BEHIND_MS when the network is the bound.
 * - Workers start at once and take jobs as soon as each is ready (a worker
 *   needs ~100-250 ms to load sigstore and warm up); `ready` says when the
 *   first one is, or that none could start.
 * - Jobs go to the ready worker with the fewest outstanding. A worker is
 *   ref'd only while starting or working, so an idle pool never keeps the
 *   process alive, and `close()` terminates every worker, started or not.
 * - A worker that dies returns its outstanding jobs as "lost" failures
 *   (never a pass; `isLostVerdict`), and gets no more work.
 * - An attestation with its source (verifier.ts AttestationSource) travels
 *   as a copy of the document's bytes, transferred, not cloned: the worker
 *   parses it again (verify-worker.ts). Structured-cloning parsed objects
 *   cost the main thread most of a core's worth of messages in a cold run.
 *   Only up to RAW_DOCUMENT_LIMIT: each attestation's job carries the whole
 *   document, so a hostile index's 8 MB provenance with 64 attestations
 *   would cost 512 MB of copies per file; beyond the limit the parsed
 *   attestation is cloned, as before.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrustRoot } from './trust.js';
import type { AttestationSource, AttestationVerdict, AttestationVerifier } from './verifier.js';
import type { VerifyJob } from './verify-worker.js';

export const MAX_WORKERS = 8;

/** The largest document sent whole with each of its attestations' jobs (real PyPI provenance: 5–20 KB). */
export const RAW_DOCUMENT_LIMIT = 64 * 1024;

export interface WorkerPoolOptions {
  trust: Pick<TrustRoot, 'json'>;
  /** Workers to start with. Default: defaultPoolSize(). */
  size?: number;
  /** Workers it may grow to while jobs back up. Default: `size` (no growth). */
  maxSize?: number;
  /** The worker script; default the compiled verify-worker.js beside this module. */
  workerUrl?: URL;
  /** Told once when a worker verifies without the fast DER encoder (fast-der.ts refused to install). */
  onWarning?: (message: string) => void;
}

export interface VerifierPool extends AttestationVerifier {
  /** Workers started so far. */
  readonly size: number;
  /** Resolves true once a worker is ready for jobs, false if none could start. */
  readonly ready: Promise<boolean>;
  /** Whether a worker is ready now (jobs sent before then wait for one). */
  readonly isReady: boolean;
  close(): Promise<void>;
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, MAX_WORKERS));
}

/** What a pool may grow to: one worker per core, at most MAX_WORKERS. */
export function maxPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_WORKERS));
}

/** Jobs waiting per live worker beyond which the pool is behind (the 128-file evaluation window bounds the backlog). */
export const BACKLOG_PER_WORKER = 32;
/** How long the pool must stay behind before it adds a worker. */
const BEHIND_MS = 1000;

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
 * ~100 MB each over a 20,000-attestation run. A worker that hits the cap
 * dies; its jobs come back as lost and are verified inline. The young
 * generation is 16 MiB, not 8: certificate encoding allocates many short
 * buffers, and at 8 MiB scavenges took up to a third of a worker's time
 * (measured: 2,000 bench attestations, median 5.1 s of CPU at 8 MiB, 4.4 s
 * at 16, for ~5 MiB of peak RSS).
 */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };

/** What a worker says: ready (or not), with fast-der.ts's refusal if any; or a job's verdict. */
type WorkerMessage = { ready: boolean; fastDerProblem?: string } | { id: number; verdict: AttestationVerdict };

class PoolWorker {
  readonly pending = new Map<number, Settle>();
  state: 'starting' | 'ready' | 'dead' = 'starting';

  constructor(
    readonly worker: Worker,
    private readonly onState: () => void,
    private readonly onFastDerProblem: (problem: string) => void,
  ) {
    // Ref'd while starting (someone may be waiting for it), then only while it has work.
    worker.on('message', (m: WorkerMessage) => this.receive(m));
    worker.on('error', (e) => this.fail(e.message));
    worker.on('exit', (code) => this.fail(`exited with code ${code}`));
  }

  private receive(m: WorkerMessage): void {
    if ('ready' in m) {
      if (m.ready) this.state = 'ready';
      else void this.worker.terminate();
      if (typeof m.fastDerProblem === 'string') this.onFastDerProblem(m.fastDerProblem);
      if (this.pending.size === 0) this.worker.unref();
      this.onState();
      return;
    }
    if (typeof m.id !== 'number' || m.verdict === undefined) return;
    const settle = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    settle?.(m.verdict);
  }

  run(job: VerifyJob, transfer: ArrayBuffer[]): Promise<AttestationVerdict> {
    return new Promise((resolve) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(job.id, resolve);
      this.worker.postMessage(job, transfer);
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
  let warned = false;
  const onFastDerProblem = (problem: string): void => {
    if (warned) return;
    warned = true;
    opts.onWarning?.(`verification runs on sigstore-js's own DER encoder, which is slower: ${problem}`);
  };
  const start = (): PoolWorker => new PoolWorker(spawn(url, opts.trust.json), onState, onFastDerProblem);
  const workers = Array.from({ length: size }, start);
  const maxSize = Math.max(size, opts.maxSize ?? size);
  let nextId = 0;

  let behindSince: number | undefined;
  /** A worker more once the backlog says verification bounds the run; it takes jobs once ready. */
  const growIfBehind = (): void => {
    if (workers.length >= maxSize) return;
    const live = workers.filter((w) => w.state !== 'dead');
    const waiting = live.reduce((n, w) => n + w.pending.size, 0);
    if (waiting <= BACKLOG_PER_WORKER * live.length) {
      behindSince = undefined;
      return;
    }
    const now = performance.now();
    behindSince ??= now;
    if (now - behindSince < BEHIND_MS) return;
    behindSince = undefined;
    workers.push(start());
  };

  const dispatch = (attestation: unknown, identity: unknown, expected: unknown, source: AttestationSource | undefined): Promise<AttestationVerdict> => {
    const ready = workers.filter((w) => w.state === 'ready');
    if (ready.length === 0) return Promise.resolve(lost('no verification worker is running'));
    growIfBehind();
    const worker = ready.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    if (source === undefined || source.document.byteLength > RAW_DOCUMENT_LIMIT) return worker.run({ id: nextId++, attestation, identity, expected }, []);
    // A copy of exactly the document's bytes (a Buffer may view a larger pool or cache segment), then transferred.
    const document = new Uint8Array(source.document);
    return worker.run({ id: nextId++, source: { document, bundle: source.bundle, attestation: source.attestation }, identity, expected }, [document.buffer]);
  };

  return {
    get size() {
      return workers.length;
    },
    ready,
    get isReady() {
      return workers.some((w) => w.state === 'ready');
    },
    async verify(attestation, identity, expected, source) {
      if (!workers.some((w) => w.state === 'ready') && workers.some((w) => w.state === 'starting')) {
        await new Promise<void>((go) => waiting.push(go));
      }
      return dispatch(attestation, identity, expected, source);
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
