/**
 * A run over a large lockfile that waits on the network for many files
 * keeps its heap lean: that is where its peak memory comes from
 * (docs/decisions.md, "A lean heap once a large run waits on the network").
 *
 * Two facts set the peak. V8 lets the old generation grow to ~130 MiB
 * before its first mark-compact and afterwards to up to 4× what one kept,
 * while a cold run's live data is 30-60 MiB. And V8 keeps the pages a
 * regular collection frees, for reuse: RSS, once grown, does not come back;
 * only a memory-reducing collection returns them to the system.
 *
 * A warm run cannot pay for less room (its GC is its largest cost: +12-20%
 * CPU measured with a smaller growth factor from the start), but a run that
 * waits on the network for many files is idle most of the time (~77% on the
 * main thread, cold, 20,000 files): there, more frequent mark-compacts cost
 * nothing the user waits for. So at the first request of a run with at least
 * LEAN_ABOVE_LOOKUPS files to look up (its progress says how many, before
 * the first lookup): the old generation may grow only HEAP_GROWING_PERCENT
 * over what a mark-compact keeps, and a memory-reducing collection, after
 * that request is sent, drops what reading the lockfile left and gives its
 * pages back. Once every file is answered, a second one, right then (inside
 * the last file's progress report), gives back what the network phase left,
 * so the edit starts from the live size. A run with few files to look up (a
 * warm run, one package bumped) is left alone.
 *
 * Only in a process young-generation.ts restarted (lockfiles > 1 MiB): a
 * small run's heap is small anyway.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SEMI_SPACE_FLAG } from './young-generation.js';

/** Files to look up from which a run counts as waiting on the network (≥ 16 round trips at the default concurrency). */
export const LEAN_ABOVE_LOOKUPS = 256;

/** The old generation's room over what a mark-compact kept, in percent (V8 picks 10-300% by GC and allocation speed). */
export const HEAP_GROWING_PERCENT = 25;

/** What a networked run tells the watch: each request it sends, and its progress over the files. */
export interface LeanHeapWatch {
  request(): void;
  progress(p: { done: number; total: number }): void;
}

/** What the watch asks of V8 (tests pass their own). */
export interface HeapControls {
  /** Caps old-generation growth (a V8 flag read at every mark-compact, so it works at run time). */
  limitGrowth(): void;
  /** A memory-reducing full collection. */
  collect(): void;
}

/**
 * Watches a run and keeps its heap lean once it waits on the network for
 * many files, or undefined when this process was not restarted for large
 * lockfiles.
 */
export function leanHeapWatch(execArgv: readonly string[] = process.execArgv, heap: HeapControls = v8HeapControls()): LeanHeapWatch | undefined {
  if (!execArgv.includes(SEMI_SPACE_FLAG)) return undefined;
  let remaining = 0;
  let leaned = false;
  return {
    request: () => {
      if (leaned || remaining < LEAN_ABOVE_LOOKUPS) return;
      leaned = true;
      heap.limitGrowth();
      // After the request that is being sent, not inside it: the run waits for its answer anyway.
      setImmediate(() => heap.collect());
    },
    progress: ({ done, total }) => {
      remaining = total - done;
      // Now, not a turn later: the run goes on to decide, close and edit without waiting on anything (measured:
      // a turn later, the collection came after the edit).
      if (done === total && leaned) heap.collect();
    },
  };
}

/** V8's own, created lazily: the flags and `gc` are touched only when a run leans. */
function v8HeapControls(): HeapControls {
  let gc: (() => void) | undefined;
  return {
    limitGrowth: () => setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`),
    collect: () => {
      gc ??= leanCollector();
      gc();
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
