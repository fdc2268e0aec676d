/**
 * A run over a large lockfile that goes to the network keeps its heap lean:
 * that is where its peak memory comes from (docs/decisions.md, "A lean heap
 * once a large run waits on the network").
 *
 * Two facts set the peak. V8 lets the old generation grow to ~130 MiB
 * before its first mark-compact and afterwards to up to 4× what one kept,
 * while a cold run's live data is 30-60 MiB. And V8 keeps the pages a
 * regular collection frees, for reuse: RSS, once grown, does not come back;
 * only a memory-reducing collection returns them to the system.
 *
 * A warm run cannot pay for less room (its GC is its largest cost: +12-20%
 * CPU measured with a smaller growth factor from the start), but a run that
 * waits on the network is idle most of the time (~77% on the main thread,
 * cold, 20,000 files): there, more frequent mark-compacts cost nothing the
 * user waits for. So, once the first request is sent (the run waits for its
 * answer anyway): the old generation may grow only HEAP_GROWING_PERCENT over
 * what a mark-compact keeps, and a memory-reducing collection drops what
 * reading the lockfile left and gives its pages back. Once every file is
 * answered, right before the run decides and writes, a second one gives
 * back what the network phase left, so the edit starts from the live size.
 *
 * Only in a process young-generation.ts restarted (lockfiles > 1 MiB): a
 * small run's heap is small anyway. A run answered wholly from the cache
 * (no request) is never collected.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SEMI_SPACE_FLAG } from './young-generation.js';

/** The old generation's room over what a mark-compact kept, in percent (V8 picks 10-300% by GC and allocation speed). */
export const HEAP_GROWING_PERCENT = 25;

/** What a networked run tells the watch: each request it sends, and its progress over the files. */
export interface LeanHeapWatch {
  request(): void;
  progress(p: { done: number; total: number }): void;
}

/**
 * Watches a run and keeps its heap lean once it goes to the network, or
 * undefined when this process was not restarted for large lockfiles.
 * `collect` is the memory-reducing collection (by default V8's, leanCollector).
 */
export function leanHeapWatch(execArgv: readonly string[] = process.execArgv, collect?: () => void): LeanHeapWatch | undefined {
  if (!execArgv.includes(SEMI_SPACE_FLAG)) return undefined;
  let requests = 0;
  let collector = collect;
  return {
    request: () => {
      if (++requests !== 1) return;
      setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
      collector ??= leanCollector();
      // Right after the request that is being sent, not inside it.
      setImmediate(collector);
    },
    progress: ({ done, total }) => {
      // Synchronous: the run decides and edits in the same turn as its last answer.
      if (done === total && requests > 0) collector?.();
    },
  };
}

/**
 * V8's memory-reducing full collection (`gc` with the "last-resort"
 * flavor): unlike a regular one it also returns the pages it frees to the
 * system. `gc` is installed in contexts created while --expose-gc is set:
 * one for us, then the flag goes back.
 */
export function leanCollector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  setFlagsFromString('--no-expose-gc');
  if (typeof gc !== 'function') return () => undefined;
  return () => void (gc as (options: object) => unknown)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
