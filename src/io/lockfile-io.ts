import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PylockAttestError } from '../errors.js';

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

/** Temp files we created and have not renamed yet: removed on SIGINT/SIGTERM by the CLI. */
export const pendingTempFiles = new Set<string>();

/**
 * Write `text` over the file, atomically: a temp file in the same directory,
 * fsync, then rename. Refuses when the file changed since it was read, so a
 * concurrent writer's work is never silently overwritten.
 */
export async function writeLockSource(source: LockSource, text: string): Promise<void> {
  const out = Buffer.from((source.bom ? BOM : '') + text, 'utf8');
  const dir = dirname(source.target);
  const temp = join(dir, `.${basename(source.target)}.pylock-attest-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  pendingTempFiles.add(temp);
  try {
    await writeTemp(temp, out, source.mode, source.path);
    await assertUnchanged(source);
    await rename(temp, source.target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    if (e instanceof PylockAttestError) throw e;
    throw ioError('WRITE', `cannot write: ${errnoText(e)}`, source.path, e, 'check that the file and its directory are writable; the lockfile was not changed');
  } finally {
    pendingTempFiles.delete(temp);
  }
}

async function writeTemp(temp: string, bytes: Buffer, mode: number, path: string): Promise<void> {
  let handle;
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

async function assertUnchanged(source: LockSource): Promise<void> {
  const st = await lstat(source.target).catch(() => undefined);
  const now = st ? await readFile(source.target).catch(() => undefined) : undefined;
  if (now === undefined || !now.equals(source.bytes)) {
    throw new PylockAttestError('WRITE_CONFLICT', 'the file changed while pylock-attest was running; nothing was written', {
      file: source.path,
      hint: 'run the command again',
    });
  }
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
  return err?.code ?? String(e);
}
