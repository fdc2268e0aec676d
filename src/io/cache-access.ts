/**
 * Whether this process may use a cache directory, and the key that
 * authenticates what it keeps there (io/cache-store.ts).
 *
 * The key is 32 random bytes in `<state-dir>/cache-key`, outside the cache
 * directory: whoever can only write the cache (a CI cache restored from a
 * branch others can push to, another user on a shared machine) cannot
 * forge a record. A cache copied to a machine with another key is simply
 * not trusted: every record there is a miss.
 *
 * - Created once, atomically: written 0600 under a temporary name in a 0700
 *   directory, then hard-linked to its name, which fails if another process
 *   got there first; both then use the winner's key.
 * - Refused (the cache is then not used at all) when it is not a regular
 *   file of exactly 32 bytes, belongs to another user, or other users may
 *   read or write it; so is a state or cache directory other users can
 *   write (io/private-dir.ts).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, linkSync, lstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CacheStore, type CacheStoreOptions } from './cache-store.js';
import { makePrivateDir, octal, privateDirProblem } from './private-dir.js';

export const KEY_FILE = 'cache-key';
const KEY_BYTES = 32;
/** Store directories carry the format's version: an older format's files are never read. */
const FORMAT = 'v2';

/** A cache directory this process may use, with its key. */
export class OpenCache {
  constructor(
    readonly dir: string,
    readonly key: Buffer,
  ) {}

  /** The store named `name` (`http`, `verdicts`, `outcomes`, `trust`): its own directory and HMAC domain. */
  store(name: string, opts: Omit<CacheStoreOptions, 'purpose'> = {}): CacheStore {
    return new CacheStore(path.join(this.dir, `${name}-${FORMAT}`), this.key, { ...opts, purpose: name });
  }
}

export type CacheOpening = { ok: true; cache: OpenCache } | { ok: false; problem: string; hint: string };

/** Checks `cacheDir` and the key in `stateDir` (creating either when missing); never throws. */
export function openCache(cacheDir: string, stateDir: string): CacheOpening {
  if (isWithin(stateDir, cacheDir))
    return refused(
      `the cache key's directory ${stateDir} is inside the cache directory ${cacheDir}, where it would travel with a restored cache`,
      'set PYLOCK_ATTEST_STATE_DIR to a directory outside the cache',
    );
  const dirProblem = privateDirProblem(cacheDir);
  if (dirProblem !== undefined)
    return refused(`cache directory: ${dirProblem}`, `make it yours alone (chmod go-w ${cacheDir}), or pick another with --cache-dir, or run with --no-cache`);
  let key: Buffer;
  try {
    key = loadOrCreateKey(stateDir);
  } catch (e) {
    if (e instanceof KeyProblem) return refused(e.message, e.hint);
    throw e;
  }
  try {
    makePrivateDir(cacheDir);
  } catch (e) {
    return refused(`cannot create the cache directory ${cacheDir}: ${errno(e)}`, 'pick another with --cache-dir, or run with --no-cache');
  }
  return { ok: true, cache: new OpenCache(cacheDir, key) };
}

class KeyProblem extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function isWithin(inner: string, outer: string): boolean {
  const rel = path.relative(path.resolve(outer), path.resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function refused(problem: string, hint: string): CacheOpening {
  return { ok: false, problem, hint };
}

/** The key in `stateDir`, made on first use. Throws KeyProblem. */
export function loadOrCreateKey(stateDir: string): Buffer {
  const stateHint = `make it yours alone (chmod 700 ${stateDir}), or set PYLOCK_ATTEST_STATE_DIR to another directory`;
  const dirProblem = privateDirProblem(stateDir);
  if (dirProblem !== undefined) throw new KeyProblem(`state directory: ${dirProblem}`, stateHint);
  const file = path.join(stateDir, KEY_FILE);
  try {
    makePrivateDir(stateDir);
    const existing = readKey(file);
    if (existing !== undefined) return existing;
    createKey(stateDir, file);
    return readKey(file) ?? missing(file);
  } catch (e) {
    if (e instanceof KeyProblem) throw e;
    throw new KeyProblem(`cannot read or create the cache key ${file}: ${errno(e)}`, stateHint);
  }
}

function missing(file: string): never {
  throw new Error(`${file} vanished as it was made`);
}

/** The key, undefined if there is none yet; KeyProblem for one we must not use. */
function readKey(file: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink planted under the key's name is refused, not followed.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new KeyProblem(`the cache key ${file} is a symbolic link`, `delete it; a new key is made on the next run (the cache is then verified afresh)`);
    throw e;
  }
  try {
    checkKeyFile(file, fd);
    const key = Buffer.alloc(KEY_BYTES);
    if (readSync(fd, key, 0, KEY_BYTES, 0) !== KEY_BYTES)
      throw new KeyProblem(`the cache key ${file} is shorter than ${KEY_BYTES} bytes`, `delete it; a new key is made on the next run`);
    return key;
  } finally {
    closeSync(fd);
  }
}

/** Judged on the open descriptor, so what we read is what we checked. */
function checkKeyFile(file: string, fd: number): void {
  const st = fstatSync(fd);
  const redo = 'delete it; a new key is made on the next run (the cache is then verified afresh)';
  if (!st.isFile()) throw new KeyProblem(`the cache key ${file} is not a regular file`, redo);
  const uid = process.geteuid?.();
  if (uid !== undefined && st.uid !== uid) throw new KeyProblem(`the cache key ${file} belongs to another user (uid ${st.uid})`, redo);
  if (uid !== undefined && (st.mode & 0o077) !== 0)
    throw new KeyProblem(`other users can read or write the cache key ${file} (mode ${octal(st.mode)})`, `chmod 600 ${file}, or ${redo}`);
  if (st.size !== KEY_BYTES) throw new KeyProblem(`the cache key ${file} has ${st.size} bytes, not ${KEY_BYTES}`, redo);
}

/** Writes a new key under a temporary name, then links it into place unless another process already did. */
function createKey(stateDir: string, file: string): void {
  const temp = path.join(stateDir, `.${KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(KEY_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    publish(temp, file);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // renamed into place, or already gone
    }
  }
}

function publish(temp: string, file: string): void {
  try {
    linkSync(temp, file);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // another process made it first: its key is the one
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  }
  // No hard links here: a rename once the name is checked free. Two first runs at that very
  // moment may then each use its own key for a while; that costs cache entries, never trust.
  if (lstatOrUndefined(file) === undefined) renameSync(temp, file);
}

function lstatOrUndefined(file: string): unknown {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}
