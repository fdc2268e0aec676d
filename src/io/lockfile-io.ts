import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, type FileHandle, link, lstat, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PylockAttestError } from '../errors.js';
import { trackTempFile } from './temp-files.js';
import { BOM, decodeText, errnoText } from './text-file.js';

/**
 * A lockfile as read: its text without the BOM, and what we need to write it
 * back safely. The bytes are not kept (8.5 MB through a whole run for a large
 * lockfile): the text was decoded strictly, so its UTF-8 encoding is exactly
 * the bytes read, and the write compares the file with that encoding.
 */
export interface LockSource {
  /** The path as the user gave it (for messages). */
  path: string;
  /** Where bytes really live: symlinks are written through to their target. */
  target: string;
  bom: boolean;
  text: string;
  mode: number;
}

export async function readLockSource(path: string): Promise<LockSource> {
  let target: string;
  let bytes: Buffer;
  try {
    target = await realpath(path);
    bytes = await readFile(target);
  } catch (e) {
    throw ioError('LOCK_READ', `cannot read: ${errnoText(e)}`, path, e, 'check the path and its permissions');
  }
  const { text, bom } = decodeText(bytes, path, 'lockfile');
  const mode = (await stat(target)).mode & 0o7777;
  return { path, target, bom, text, mode };
}

/** The lockfile at `path`, or undefined when nothing is there (not even a dangling symlink): `lock`'s output. */
export async function readLockSourceIfAny(path: string): Promise<LockSource | undefined> {
  try {
    await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('LOCK_READ', `cannot read: ${errnoText(e)}`, path, e, 'check the path and its permissions');
  }
  return readLockSource(path);
}

/** What a write did: replaced the file, or found it already holding exactly our bytes. */
export type WriteOutcome = 'written' | 'already-current';

/**
 * Write `text` over the file, atomically: a temp file in the same directory,
 * fsync, then rename. Refuses when the file changed since it was read, so a
 * concurrent writer's work is never silently overwritten. When the change is
 * exactly the text we were about to write (a concurrent run of this tool on
 * the same input), there is nothing to do and nothing to refuse. Neither the
 * new bytes nor the file's are ever held whole: both go a piece at a time
 * (a large lockfile's two copies were most of the growth at a cold run's end).
 */
export async function writeLockSource(source: LockSource, text: string): Promise<WriteOutcome> {
  await assertWritable(source);
  const temp = tempPathFor(source.target);
  const forget = trackTempFile(temp);
  try {
    await writeTemp(temp, pieces(source.bom, text), source.mode, source.path);
    const now = await fileHolds(source, text);
    if (now === 'ours') {
      await unlink(temp);
      return 'already-current';
    }
    if (now !== 'as-read') throw conflict(source);
    await rename(temp, source.target);
    return 'written';
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    if (e instanceof PylockAttestError) throw e;
    throw ioError('WRITE', `cannot write: ${errnoText(e)}`, source.path, e, 'check that the file and its directory are writable; the lockfile was not changed');
  } finally {
    forget();
  }
}

const CHUNK = 1 << 16;

/** `text`, behind a BOM or not, in pieces of at most CHUNK + 1 UTF-16 units. */
function* pieces(bom: boolean, text: string): Generator<string> {
  if (bom) yield BOM;
  for (let from = 0; from < text.length; ) {
    let to = Math.min(from + CHUNK, text.length);
    const last = text.charCodeAt(to - 1);
    // A surrogate pair stays in one piece (the text came from strict UTF-8: no lone halves).
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to++;
    yield text.slice(from, to);
    from = to;
  }
}

/**
 * What the file holds now: our new text, the text it was read with, or
 * something else (gone, unreadable). Opened once, so both comparisons read
 * the same file even if another run renames its own over it meanwhile.
 */
async function fileHolds(source: LockSource, text: string): Promise<'ours' | 'as-read' | 'other'> {
  let handle: FileHandle;
  try {
    handle = await open(source.target, 'r');
  } catch {
    return 'other';
  }
  try {
    if (await encodes(handle, source.bom, text)) return 'ours';
    return (await encodes(handle, source.bom, source.text)) ? 'as-read' : 'other';
  } catch {
    return 'other';
  } finally {
    await handle.close();
  }
}

/** Whether the file holds exactly the UTF-8 of `text`, behind a BOM or not: read and encoded a piece at a time, never whole. */
async function encodes(handle: FileHandle, bom: boolean, text: string): Promise<boolean> {
  const encoder = new TextEncoder();
  // Room for a piece's UTF-8: at most 3 bytes per UTF-16 unit.
  const encoded = new Uint8Array(CHUNK * 3 + 6);
  const read = Buffer.allocUnsafe(encoded.length);
  let at = 0;
  for (const piece of pieces(bom, text)) {
    const { written } = encoder.encodeInto(piece, encoded);
    if ((await readAt(handle, read, written, at)) !== written || !read.subarray(0, written).equals(encoded.subarray(0, written))) return false;
    at += written;
  }
  return (await readAt(handle, read, 1, at)) === 0; // nothing after it
}

/** Reads up to `length` bytes at `position` into `into`; fewer only at the end of the file. */
async function readAt(handle: FileHandle, into: Buffer, length: number, position: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(into, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/**
 * Create a lockfile that does not exist yet, atomically: a temp file beside
 * it, fsync, then a hard link to the final name, which fails if anything
 * appeared there meanwhile (never overwritten). Where hard links are not
 * supported, a rename after checking the name is still free.
 */
export async function writeNewLockfile(path: string, text: string): Promise<void> {
  const temp = tempPathFor(path);
  const forget = trackTempFile(temp);
  try {
    await writeNewTemp(temp, Buffer.from(text, 'utf8'), path);
    await linkOrRename(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
    forget();
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
  const exists = (): PylockAttestError =>
    new PylockAttestError('WRITE_CONFLICT', 'the file appeared while pylock-attest was running; nothing was written', {
      file: path,
      hint: 'run the command again',
    });
  try {
    await link(temp, path);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists();
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS')
      throw ioError('WRITE', `cannot write: ${errnoText(e)}`, path, e, 'check that the directory is writable; nothing was written');
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
    throw ioError(
      'WRITE',
      `cannot write: ${why === 'permission denied' ? 'the file is read-only' : why}`,
      source.path,
      e,
      'make the file writable, or use --dry-run to only see the changes; the lockfile was not changed',
    );
  }
}

async function writeTemp(temp: string, text: Iterable<string>, mode: number, path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', mode);
  } catch (e) {
    throw ioError(
      'WRITE',
      `cannot create a temporary file beside it: ${errnoText(e)}`,
      path,
      e,
      'the directory must be writable; the lockfile was not changed',
    );
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
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
