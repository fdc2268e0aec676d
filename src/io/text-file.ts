/**
 * The one way text comes in from a file: bytes → strict UTF-8 → at most one
 * byte order mark, removed (a second is refused) → text. Lockfiles (from disk
 * and from `git:` revisions), the policy file and requirements files all
 * decode here, so an encoding is judged the same way on every path.
 */
import { PylockAttestError, type ErrorCode } from '../errors.js';

/** What a file is, for the error it gets: its code and what to do about it. */
export type TextKind = 'lockfile' | 'policy' | 'requirements';

/** Lockfiles and policy files are both TOML: the same code and advice. */
const TOML_FILE = {
  code: 'LOCK_ENCODING',
  encodingHint: 'TOML files must be UTF-8; re-save the file as UTF-8',
  bomHint: 'remove the extra U+FEFF; TOML allows one byte order mark, first',
} as const;

const KINDS: Readonly<Record<TextKind, { code: ErrorCode; encodingHint: string; bomHint: string }>> = {
  lockfile: TOML_FILE,
  policy: TOML_FILE,
  requirements: { code: 'REQUIREMENTS', encodingHint: 'save the requirements file as UTF-8', bomHint: 'remove the extra U+FEFF at the start of the file' },
};

export interface DecodedText {
  /** Without the byte order mark. */
  text: string;
  /** The file started with one (a rewrite puts it back). */
  bom: boolean;
}

/** U+FEFF, as TOML allows it at the very start of a file. */
export const BOM = '\uFEFF';
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8, never "repaired"; one BOM removed, two refused (smol-toml would drop a second one silently). */
export function decodeText(bytes: Uint8Array, label: string, kind: TextKind): DecodedText {
  const text = decodeUtf8(bytes, label, kind);
  if (!text.startsWith(BOM)) return { text, bom: false };
  if (text.startsWith(BOM, 1)) {
    const { code, bomHint } = KINDS[kind];
    throw new PylockAttestError(code, 'two byte order marks at the start of the file', { file: label, line: 1, column: 1, hint: bomHint });
  }
  return { text: text.slice(1), bom: true };
}

/** Strict UTF-8 with any BOM kept as U+FEFF: equal strings are equal bytes. */
function decodeUtf8(bytes: Uint8Array, label: string, kind: TextKind): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    const offset = firstInvalidUtf8(bytes);
    const { code, encodingHint } = KINDS[kind];
    throw new PylockAttestError(
      code,
      `not valid UTF-8 (byte offset ${offset})`,
      { file: label, line: countLines(bytes, offset), hint: encodingHint },
      { cause: e },
    );
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

/** An fs error in words a message can carry. */
export function errnoText(e: unknown): string {
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
