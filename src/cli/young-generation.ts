/**
 * A run over a large lockfile allocates fast and keeps much of what it
 * allocates, so V8 grows the young generation to its 128 MiB default: GC is
 * the largest single cost of a warm run, and the young generation a quarter
 * of a cold run's peak. Started with `--max-semi-space-size=1`, the same runs
 * are 17–25% faster (warm) and ~110 MiB smaller (cold); docs/benchmarks.md.
 *
 * The flag only works at start-up, and the shebang cannot carry it: busybox's
 * `env` (Alpine's) has no `-S`, so `#!/usr/bin/env -S node …` would not start
 * at all there. So a run whose lockfiles are large restarts node in place
 * with it (`process.execve`: POSIX, Node ≥ 22.15; the same pid, stdio and
 * environment, nothing written yet). Small lockfiles are not worth a second
 * start-up (~40 ms), and where execve is missing (Windows) the run goes on
 * as it is. PYLOCK_ATTEST_NO_RESTART=1 turns it off. The restarted process
 * also keeps its old generation lean once it waits on the network
 * (lean-heap.ts): that is done at run time, and only then, so a warm run
 * keeps V8's growth.
 *
 * The restarted process also turns off V8's allocation-site pretenuring. Reading a
 * large lockfile keeps every table smol-toml builds, so V8 learns to
 * allocate at those sites straight into the old generation; the editor then
 * parses each edited package on its own, twice, and those short-lived
 * tables went to the old generation too: 60-80 MiB of garbage in a cold
 * run's last second, its peak. Without pretenuring the same edit keeps its
 * heap at its live size and takes ~270 ms instead of ~500 (docs/decisions.md).
 * It is set at run time, first thing in the restarted process (it works
 * there: measured on the edit alone, and on the whole cold run): an unknown
 * flag there is ignored, where at start-up node would refuse to start. V8's
 * flags are the process's: the verification workers run without
 * pretenuring too.
 */
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

export const SEMI_SPACE_FLAG = '--max-semi-space-size=1';
/** Set at run time in the restarted process (see above). */
export const PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/** Lockfiles above this many bytes in all: a run that restarts (1 MiB ≈ 120 packages × 20 files). */
export const RESTART_ABOVE_BYTES = 1 << 20;

export interface Restart {
  execPath: string;
  args: string[];
}

/**
 * The restart for `inputs`, or undefined when the run should go on as it is:
 * small inputs, the flag already given (or asked for in NODE_OPTIONS), turned
 * off, or no script to restart.
 */
export function restartFor(inputs: readonly string[], proc: Pick<NodeJS.Process, 'execPath' | 'execArgv' | 'argv' | 'env'>): Restart | undefined {
  const script = proc.argv[1];
  if (script === undefined || proc.env['PYLOCK_ATTEST_NO_RESTART'] === '1') return undefined;
  const given = [...proc.execArgv, proc.env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('--max-semi-space-size'));
  if (given || totalBytes(inputs) <= RESTART_ABOVE_BYTES) return undefined;
  return { execPath: proc.execPath, args: [proc.execPath, ...proc.execArgv, SEMI_SPACE_FLAG, script, ...proc.argv.slice(2)] };
}

/**
 * Restarts node with a small young generation when `inputs` are large;
 * returns only when it does not. In the restarted process (the flag in its
 * execArgv), turns allocation-site pretenuring off instead.
 */
export function restartIfLarge(inputs: readonly string[]): void {
  if (process.execArgv.includes(SEMI_SPACE_FLAG)) {
    setFlagsFromString(PRETENURING_FLAG);
    return;
  }
  if (typeof process.execve !== 'function') return;
  const restart = restartFor(inputs, process);
  if (restart === undefined) return;
  try {
    process.execve(restart.execPath, restart.args, process.env);
  } catch {
    // execve refused (a sandbox, a seccomp filter): the run goes on as it is, only slower.
  }
}

function totalBytes(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) {
    try {
      total += statSync(p).size;
    } catch {
      // Missing or unreadable: the run itself says so.
    }
  }
  return total;
}
