import { locatePackages } from '../core/editor.js';
import { parseLock, type LockModel } from '../core/lockfile.js';
import { readLockSource, type LockSource } from '../io/lockfile-io.js';

export interface LoadedLockfile {
  source: LockSource;
  model: LockModel;
}

/** Read, decode, parse and validate one lockfile; errors carry file:line. */
export async function loadLockfile(path: string): Promise<LoadedLockfile> {
  return lockfileFromSource(await readLockSource(path));
}

/** Parse and validate text already in memory (lock: the file it is about to write). */
export function lockfileFromSource(source: LockSource): LoadedLockfile {
  const lines = packageLines(source.text);
  const model = parseLock(source.text, source.path, lines);
  return { source, model };
}

function packageLines(text: string): number[] {
  try {
    return locatePackages(text).map((p) => p.line);
  } catch {
    // Shapes the editor refuses (inline packages) are reported when an edit is
    // attempted; reading them still works, without line numbers.
    return [];
  }
}
