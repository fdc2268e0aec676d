/**
 * Temp files a lockfile write created and has not renamed yet. Its own small
 * module, so the CLI's signal handler (installed before anything else runs)
 * loads this and not the whole of lockfile-io.ts with node:crypto: `--help`
 * stays fast (docs/architecture.md).
 */
import { unlinkSync } from 'node:fs';

export const pendingTempFiles = new Set<string>();

/** Removes every temp file not renamed yet; returns how many were there. Synchronous: a signal handler calls it right before exit. */
export function removePendingTempFiles(): number {
  let removed = 0;
  for (const temp of pendingTempFiles) {
    try {
      unlinkSync(temp);
      removed++;
    } catch {
      // Already renamed into place or never created: nothing left behind.
    }
    pendingTempFiles.delete(temp);
  }
  return removed;
}
