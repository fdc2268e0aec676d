/**
 * Temp files io has written and not renamed yet. A run interrupted by
 * SIGINT/SIGTERM removes them (cli/signals.ts asks through
 * removePendingTempFiles), so nothing is left beside a lockfile. Its own small
 * module, so the CLI's signal handler (installed before anything else runs)
 * loads this and not the whole of lockfile-io.ts with node:crypto: `--help`
 * stays fast (docs/architecture.md).
 */
import { unlinkSync } from 'node:fs';

const pending = new Set<string>();

/** Registers a temp file before it is created; the returned function forgets it (renamed, or removed). */
export function trackTempFile(path: string): () => void {
  pending.add(path);
  return () => void pending.delete(path);
}

/** The temp files registered and not yet forgotten. */
export function pendingTempFiles(): string[] {
  return [...pending];
}

/** Removes every registered temp file, synchronously (the process ends right after); returns how many were there. */
export function removePendingTempFiles(): number {
  let removed = 0;
  for (const temp of pending) {
    try {
      unlinkSync(temp);
      removed++;
    } catch {
      // Already renamed into place or never created: nothing left behind.
    }
    pending.delete(temp);
  }
  return removed;
}
