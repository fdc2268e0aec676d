import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, type FileHandle, link, lstat, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PylockAttestError } from '../errors.js';
import { pendingTempFiles } from './temp-files.js';

const BOM = '\uFEFF';

/** A lockfile as read: its text without the BOM, and what we need to write it back safely. */
export interface LockSource {
  /** The path as the user gave it (for messages). */
  path: string;
  /** Where bytes really live: symlinks are written through to their target. */
  target: string;
  bom: boolean;
  text: string;
  /** The exact bytes read, to detect a change between read and write. */
  bytes: Buffer;
  mode: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export async function readLockSource(path: string): Promise<LockSource> {
  let target: string;
  let bytes: Buffer;
  try {
    target = await realpath(path);
    bytes = await readFile(target);
  } catch (e) {
    throw ioError('LOCK_READ', `cannot read: ${errnoText(e)}`, path, e, 'check the path and its permissions');
  }
  const text = decodeStrict(bytes, path);
  const mode = (await stat(target)).mode & 0o7777;
  const bom = text.startsWith(BOM);
  if (bom && text.startsWith(BOM, 1)) {
    // smol-toml would strip a second one silently; TOML allows one, at the very start.
    throw new PylockAttestError('LOCK_ENCODING', 'two byte order marks at the start of the file', { file: path, line: 1, column: 1, hint: 'remove the extra U+FEFF; TOML allows one byte order mark, first' });
  }
  return { path, target, bom, text: bom ? text.slice(1) : text, bytes, mode };
}

/** Strict UTF-8: a lockfile with invalid bytes is refused, never "repaired". */
export function decodeStrict(bytes: Uint8Array, path: string): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    const offset = firstInvalidUtf8(bytes);
    const line = countLines(bytes, offset);
    throw new PylockAttestError('LOCK_ENCODING', `not valid UTF-8 (byte offset ${offset})`, { file: path, line, hint: 'TOML files must be UTF-8; re-save the file as UTF-8' }, { cause: e });
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // Binary search on the longest valid prefix: decode is all-or-nothing.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (isValidPrefix(bytes.subarray(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function isValidPrefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function countLines(bytes: Uint8Array, end: number): number {
  let line = 1;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Temp files we created and have not renamed yet: removed on SIGINT/SIGTERM by the CLI (io/temp-files.ts). */
export { pendingTempFiles };

/** What a write did: replaced the file, or found it already holding exactly our bytes. */
export type WriteOutcome = 'written' | 'already-current';

/**
 * Write `text` over the file, atomically: a temp file in the same directory,
 * fsync, then rename. Refuses when the file changed since it was read, so a
 * concurrent writer's work is never silently overwritten. When the change is
 * exactly the text we were about to write (a concurrent run of this tool on
 * the same input), there is nothing to do and nothing to refuse.
 */
export async function writeLockSource(source: LockSource, text: string): Promise<WriteOutcome> {
  const out = Buffer.from((source.bom ? BOM : '') + text, 'utf8');
  await assertWritable(source);
  const temp = tempPathFor(source.target);
  pendingTempFiles.add(temp);
  try {
    await writeTemp(temp, out, source.mode, source.path);
    const now = await currentBytes(source.target);
    if (now?.equals(out)) {
      await unlink(temp);
      return 'already-current';
    }
    if (now === undefined || !now.equals(source.bytes)) throw conflict(source);
    await rename(temp, source.target);
    return 'written';
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    if (e instanceof PylockAttestError) throw e;
    throw ioError('WRITE', `cannot write: ${errnoText(e)}`, source.path, e, 'check that the file and its directory are writable; the lockfile was not changed');
  } finally {
    pendingTempFiles.delete(temp);
  }
}

/**
 * Create a lockfile that does not exist yet, atomically: a temp file beside
 * it, fsync, then a hard link to the final name, which fails if anything
 * appeared there meanwhile (never overwritten). Where hard links are not
 * supported, a rename after checking the name is still free.
 */
export async function writeNewLockfile(path: string, text: string): Promise<void> {
  const temp = tempPathFor(path);
  pendingTempFiles.add(temp);
  try {
    await writeNewTemp(temp, Buffer.from(text, 'utf8'), path);
    await linkOrRename(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
    pendingTempFiles.delete(temp);
  }
}

/** Mode 0666 less the umask, like any new file: no chmod, so the user's umask decides. */
async function writeNewTemp(temp: string, bytes: Buffer, path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o666);
  } catch (e) {
    throw ioError('WRITE', `cannot create a file in its directory: ${errnoText(e)}`, path, e, 'the directory must exist and be writable; nothing was written');
  }
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function linkOrRename(temp: string, path: string): Promise<void> {
  const exists = (): PylockAttestError => new PylockAttestError('WRITE_CONFLICT', 'the file appeared while pylock-attest was running; nothing was written', { file: path, hint: 'run the command again' });
  try {
    await link(temp, path);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists();
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw ioError('WRITE', `cannot write: ${errnoText(e)}`, path, e, 'check that the directory is writable; nothing was written');
  }
  if ((await lstat(path).catch(() => undefined)) !== undefined) throw exists();
  try {
    await rename(temp, path);
  } catch (e) {
    throw ioError('WRITE', `cannot write: ${errnoText(e)}`, path, e, 'check that the directory is writable; nothing was written');
  }
}

/**
 * `.<name>.pylock-attest-<pid>-<random>.tmp` beside the target. The name part
 * is bounded so a long lockfile name cannot push the temp name past NAME_MAX.
 */
function tempPathFor(target: string): string {
  let name = '';
  for (const ch of basename(target)) {
    if (Buffer.byteLength(name + ch) > 100) break;
    name += ch;
  }
  return join(dirname(target), `.${name}.pylock-attest-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * A read-only lockfile is the user saying "do not change this": rename would
 * replace it anyway (it needs only the directory), so ask first.
 */
async function assertWritable(source: LockSource): Promise<void> {
  try {
    await access(source.target, constants.W_OK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw conflict(source); // deleted since we read it
    const why = errnoText(e);
    throw ioError('WRITE', `cannot write: ${why === 'permission denied' ? 'the file is read-only' : why}`, source.path, e, 'make the file writable, or use --dry-run to only see the changes; the lockfile was not changed');
  }
}

async function writeTemp(temp: string, bytes: Buffer, mode: number, path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', mode);
  } catch (e) {
    throw ioError('WRITE', `cannot create a temporary file beside it: ${errnoText(e)}`, path, e, 'the directory must be writable; the lockfile was not changed');
  }
  try {
    await handle.writeFile(bytes);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The file's bytes now, or undefined when it is gone (or unreadable). */
function currentBytes(target: string): Promise<Buffer | undefined> {
  return readFile(target).catch(() => undefined);
}

function conflict(source: LockSource): PylockAttestError {
  return new PylockAttestError('WRITE_CONFLICT', 'the file changed while pylock-attest was running; nothing was written', {
    file: source.path,
    hint: 'run the command again',
  });
}

function ioError(code: 'LOCK_READ' | 'WRITE', message: string, path: string, cause: unknown, hint: string): PylockAttestError {
  return new PylockAttestError(code, message, { file: path, hint }, { cause });
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file';
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a directory';
  if (err?.code === 'EROFS') return 'read-only file system';
  if (err?.code === 'ENOSPC') return 'no space left on the device';
  if (err?.code === 'EDQUOT') return 'disk quota exceeded';
  if (err?.code === 'ENAMETOOLONG') return 'file name too long';
  if (err?.code === 'EBUSY') return 'the file is busy (a mount point?)';
  return err?.code ?? String(e);
}
