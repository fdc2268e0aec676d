/**
 * Whether a directory is this user's alone, before we keep anything in it:
 * the cache directory, and the state directory that holds the cache key.
 *
 * On POSIX a directory another user can write lets them swap, plant or link
 * files under names we are about to use, so it is refused when it is group-
 * or other-writable or owned by another user. A directory that does not
 * exist yet is judged by the one we would create it in: the same rules,
 * except that a sticky directory (/tmp) is fine, since there nobody can
 * rename or delete what we create; we then create ours 0700. Windows has no
 * such modes: its per-user profile directories are private by their ACLs.
 */
import { mkdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/** Why `dir` is not private to this user, or undefined when it is (or cannot be judged: Windows). */
export function privateDirProblem(dir: string): string | undefined {
  const uid = process.geteuid?.();
  if (uid === undefined) return undefined;
  try {
    return judge(dir, uid);
  } catch (e) {
    return `cannot inspect ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
}

function judge(dir: string, uid: number): string | undefined {
  const st = statOrUndefined(dir);
  if (st !== undefined) return ownProblem(dir, st, uid);
  const parent = nearestExisting(dir);
  if (parent === undefined) return undefined; // nothing exists up to the root: the create itself will fail
  const [where, pst] = parent;
  if (pst.uid !== uid && pst.uid !== 0) return `it would be created in ${where}, which belongs to another user (uid ${pst.uid})`;
  if ((pst.mode & GROUP_OR_OTHER_WRITE) !== 0 && (pst.mode & STICKY) === 0)
    return `it would be created in ${where}, which other users can write (mode ${octal(pst.mode)})`;
  return undefined;
}

/** Creates `dir` (and its missing parents) readable by this user only. Throws what mkdir throws. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function ownProblem(dir: string, st: Stats, uid: number): string | undefined {
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== uid) return `${dir} belongs to another user (uid ${st.uid})`;
  if ((st.mode & GROUP_OR_OTHER_WRITE) !== 0) return `other users can write ${dir} (mode ${octal(st.mode)})`;
  return undefined;
}

function nearestExisting(dir: string): [string, Stats] | undefined {
  for (let at = path.dirname(path.resolve(dir)); ; at = path.dirname(at)) {
    const st = statOrUndefined(at);
    if (st !== undefined) return [at, st];
    if (path.dirname(at) === at) return undefined;
  }
}

/** undefined when nothing is there; any other failure (EACCES, a loop) is thrown. */
function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}
