/**
 * A throwaway directory, private to this user, for a library that insists on
 * files (tuf-js keeps its metadata in a directory): made fresh under the OS
 * temp directory with the files it must start from, and removed after.
 * Nothing in it outlives the run, so nothing in it can be planted for a
 * later one.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ScratchDir {
  dir: string;
  /** Removes the directory and everything in it; never throws. */
  remove(): void;
}

export function makeScratchDir(prefix: string, files: Record<string, Uint8Array> = {}): ScratchDir {
  const dir = mkdtempSync(path.join(tmpdir(), prefix)); // 0700
  const remove = (): void => rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  try {
    for (const [name, bytes] of Object.entries(files)) {
      const fd = openSync(path.join(dir, path.basename(name)), 'wx', 0o600);
      try {
        writeSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    remove();
    throw e;
  }
  return {
    dir,
    remove: () => {
      try {
        remove();
      } catch {
        // a temp directory left behind costs a little disk, never a run
      }
    },
  };
}
