import { parseLock, type LockModel } from '../core/lockfile.js';
import { readLockSource, readLockSourceIfAny, type LockSource } from '../io/lockfile-io.js';

/**
 * A lockfile read from disk: the model (with its text and layout, from one
 * scan) and what writing it back needs. Reading is io/text-file.ts's (bytes →
 * strict UTF-8 → BOM) then core/lockfile.ts's `parseLock` (smol-toml → one
 * scan → model), for a file on disk and, in lock-input.ts, for a `git:` one.
 */
export interface LoadedLockfile {
  source: LockSource;
  model: LockModel;
}

/** Read, decode, parse and validate one lockfile; errors carry file:line. `editable: false`: read only to compare (parseLock). */
export async function loadLockfile(path: string, options: { editable?: boolean } = {}): Promise<LoadedLockfile> {
  return parsedLockfile(await readLockSource(path), options);
}

/** Parse and validate a lockfile already read. */
export function parsedLockfile(source: LockSource, options: { editable?: boolean } = {}): LoadedLockfile {
  return { source, model: parseLock(source.text, source.path, options) };
}

/**
 * A lockfile whose text was decided before (app/decision-cache.ts): parsed
 * only if something asks for its model (an edit to make), which a warm run
 * over an unchanged lockfile never does.
 */
export function unparsedLockfile(source: LockSource): LoadedLockfile {
  let model: LockModel | undefined;
  return {
    source,
    get model() {
      model ??= parseLock(source.text, source.path);
      return model;
    },
  };
}

/** The lockfile at `path`, or undefined when there is nothing there. */
export async function loadLockfileIfAny(path: string): Promise<LoadedLockfile | undefined> {
  const source = await readLockSourceIfAny(path);
  return source === undefined ? undefined : parsedLockfile(source);
}
