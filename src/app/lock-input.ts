import { resolve } from 'node:path';
import { scanLock } from '../core/lock-layout.js';
import { parseLock, type LockModel } from '../core/lockfile.js';
import { PylockAttestError } from '../errors.js';
import { gitLabel, parseGitSpec, readGitText } from '../io/git-source.js';
import { loadLockfile } from './read-lockfile.js';

/** A lockfile to compare: from disk or from git. Read-only; the audit never writes. */
export interface LockInput {
  /** The path, or `git:<rev>:<path>`: what reports and errors call it. */
  label: string;
  model: LockModel;
  /** A `git:<rev>` base where the lockfile did not exist yet: an empty baseline. */
  absent?: boolean;
}

export interface LockInputOptions {
  /** Where git runs and `git:<rev>:<path>` paths are relative to (default: the process's cwd). Plain paths are always relative to the process's cwd. */
  cwd?: string;
  /** For `git:<rev>` without a path: the lockfile being checked. */
  defaultPath?: string;
}

/** `path`, `git:<rev>:<path>`, or (with a default path) `git:<rev>`; read to compare, never to edit. */
export async function loadLockInput(spec: string, options: LockInputOptions = {}): Promise<LockInput> {
  const git = parseGitSpec(spec);
  if (!git) {
    const loaded = await loadLockfile(spec, { editable: false });
    return { label: spec, model: loaded.model };
  }
  const path = git.path ?? options.defaultPath;
  if (path === undefined) throw new PylockAttestError('USAGE', `${spec} names no file`, { hint: 'write git:<rev>:<path>, for example git:HEAD:pylock.toml' });
  // A lockfile path is relative to the process's cwd; git runs in `cwd`, so it gets the absolute path when they differ.
  const gitPath = git.path === undefined && options.cwd !== undefined ? resolve(path) : path;
  const label = gitLabel(git.rev, path);
  const read = await readGitText(git.rev, gitPath, options.cwd, label);
  if (read === undefined) {
    // `git:<rev>` for a lockfile added since: every package is new. A path the
    // user spelled out must exist, so a typo never empties the baseline.
    if (git.path === undefined) return { label, model: emptyModel(), absent: true };
    throw new PylockAttestError('GIT_READ', `${path} does not exist at ${git.rev}`, {
      file: label,
      hint: 'check the path (relative to the current directory) and the revision',
    });
  }
  return { label, model: parseLock(read.text, label, { editable: false }) };
}

function emptyModel(): LockModel {
  return { lockVersion: '1.0', packages: [], warnings: [], document: { text: '', layout: scanLock('', undefined).layout } };
}
