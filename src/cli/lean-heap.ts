/**
 * A run over a large lockfile that goes to the network for many files keeps
 * its heap lean: that is where its peak memory comes from (docs/decisions.md,
 * "A lean heap once a large run waits on the network").
 *
 * V8 lets the old generation grow to ~130 MiB before its first mark-compact
 * and afterwards to up to 4× what one kept; a cold run's live data is ~60 MiB,
 * and RSS, once grown, does not come back. A warm run cannot pay for less
 * room (its GC is its largest cost: +12-20% CPU measured with a smaller
 * growth factor from the start), but a run waiting on the network is idle
 * most of the time (79% on the main thread, cold, 20,000 files): there, more
 * frequent mark-compacts cost nothing the user waits for. So after
 * LEAN_AFTER_REQUESTS requests, once per process: the old generation may
 * grow only HEAP_GROWING_PERCENT over what a mark-compact keeps, and one
 * full collection drops what reading the lockfile left (the limit V8 had set
 * for it would otherwise stand until the first mark-compact).
 *
 * Only in a process young-generation.ts restarted (lockfiles > 1 MiB): a
 * small run's heap is small anyway, and its network phase is short enough
 * for a forced collection to show.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SEMI_SPACE_FLAG } from './young-generation.js';

/** Requests after which a large run counts as waiting on the network (≥ 16 round trips at the default concurrency). */
export const LEAN_AFTER_REQUESTS = 256;

/** The old generation's room over what a mark-compact kept, in percent (V8 picks 10-300% by GC and allocation speed). */
export const HEAP_GROWING_PERCENT = 25;

/**
 * A request counter that makes the heap lean once, or undefined when this
 * process was not restarted for large lockfiles. `lean` is what it does
 * (by default, leanHeap).
 */
export function leanHeapWatch(execArgv: readonly string[] = process.execArgv, lean: () => void = leanHeap): (() => void) | undefined {
  if (!execArgv.includes(SEMI_SPACE_FLAG)) return undefined;
  let requests = 0;
  return () => {
    if (++requests === LEAN_AFTER_REQUESTS) lean();
  };
}

/**
 * Caps old-generation growth (a V8 flag read at every mark-compact, so it
 * works at run time, unlike the semi-space size) and collects once, right
 * after the request that is being sent, not inside it.
 */
export function leanHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  // `gc` is installed in contexts created while --expose-gc is set: one for us, then the flag goes back.
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  setFlagsFromString('--no-expose-gc');
  if (typeof gc === 'function') setImmediate(gc as () => void);
}
