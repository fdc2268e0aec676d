/**
 * The one on-disk store behind every cache (HTTP answers, verdicts, file
 * outcomes, the trusted root): authenticated records in per-process,
 * append-only segments, shared by every process of the same user.
 *
 * A segment is two files written by one process only, so writers never
 * interleave:
 * - `<ms>-<pid>-<random>.log`: the payloads, appended as they come;
 * - `<ms>-<pid>-<random>.idx`: index blocks. Each block is a header
 *   `#<hmac> <length>` and lines `<key> <ms> <offset> <length> <sha256>`
 *   (or `<key> <ms> -`, a deletion). The HMAC-SHA256, with a key kept
 *   outside the cache directory (io/cache-key.ts), covers the store's
 *   purpose, the segment's name, the block's offset and its lines.
 *
 * So an index line is trusted only inside a block whose HMAC verifies, and
 * a payload only when its sha256 is the one that line names. Someone who can
 * write the cache directory but not read the key can delete records or put
 * back files this machine wrote earlier; they cannot create or alter a record
 * (docs/security.md, "The cache and the trust boundary"). A torn write, a
 * flipped bit or a cache restored from another machine (another key) fails
 * the same checks: a miss, never trusted.
 *
 * Why this shape (measured, docs/decisions.md): creating a file per entry
 * costs 0.1-1 ms of kernel time, an append ~10 µs; an HMAC per record costs
 * 20-40 µs (20,000 records: most of a warm run), one per block of 256 lines
 * almost nothing. Loading reads only the index files and keeps each line as
 * text; a payload is read, checked and decoded only when it is looked up.
 *
 * - For a key, the line with the latest time wins; a deletion removes.
 * - When segments pile up, a reader merges those nobody has written to for a
 *   minute into one (temp files + rename), newest records first within a
 *   size budget, and deletes segments no record of which authenticates.
 * - Failures never fail a run: unreadable means misses, unwritable means
 *   nothing kept.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface CacheStoreOptions {
  /** What the records are (`http`, `verdicts`, …): part of every HMAC, so records never move between stores. */
  purpose: string;
  /** Largest payload kept. Default 8 MiB. */
  maxEntryBytes?: number;
  /** Live bytes kept through a compaction. Default 512 MiB. */
  maxTotalBytes?: number;
  /** Segments that trigger a compaction when the store is opened. Default 16. */
  compactAt?: number;
  /** Only segments nobody wrote to for this long are merged. Default one minute. */
  compactAgeMs?: number;
}

/** Where a key's newest line is: its segment and the line itself, parsed only on lookup. */
interface Location {
  segment: string;
  line: string;
  at: number;
}

interface OwnSegment {
  name: string;
  log: number;
  idx: number;
  logSize: number;
  idxSize: number;
  pending: string[];
}

const KEY = /^[0-9a-f]{64}$/;
const SEGMENT = /^\d+-\d+-[0-9a-f]+$/;
const DOMAIN = 'pylock-attest-cache/2';
/** Index lines per authenticated block (one HMAC each). */
const BLOCK_LINES = 256;
/** A segment's payloads up to this size are read whole, once; larger ones one record at a time. */
const WHOLE_READ_BYTES = 16 * 1024 * 1024;
/** Files are the user's alone (the directory is 0700 too). */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export class CacheStore {
  readonly #dir: string;
  readonly #key: Uint8Array;
  readonly #purpose: string;
  readonly #maxEntry: number;
  readonly #maxTotal: number;
  readonly #compactAt: number;
  readonly #compactAge: number;
  #index: Map<string, Location> | undefined;
  /** Payload files read whole, or an open descriptor for positioned reads. */
  readonly #data = new Map<string, Buffer | number | null>();
  #own: OwnSegment | undefined;
  #unwritable = false;
  /** Records and blocks dropped as torn, altered or not ours, in this run (for tests and diagnostics). */
  discarded = 0;

  constructor(dir: string, key: Uint8Array, opts: CacheStoreOptions) {
    if (key.length < 32) throw new Error('a cache key has at least 32 bytes');
    this.#dir = dir;
    this.#key = key;
    this.#purpose = opts.purpose;
    this.#maxEntry = opts.maxEntryBytes ?? 8 * 1024 * 1024;
    this.#maxTotal = opts.maxTotalBytes ?? 512 * 1024 * 1024;
    this.#compactAt = opts.compactAt ?? 16;
    this.#compactAge = opts.compactAgeMs ?? 60_000;
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.getSync(key);
  }

  /** The payload stored under `key`, if one authenticates. */
  getSync(key: string): Buffer | undefined {
    const at = this.#load().get(key);
    if (at === undefined) return undefined;
    const payload = this.#read(at);
    if (payload === undefined) {
      this.discarded++;
      this.#index!.delete(key);
    }
    return payload;
  }

  async set(key: string, payload: Uint8Array): Promise<void> {
    this.setSync(key, payload);
  }

  setSync(key: string, payload: Uint8Array): void {
    if (!KEY.test(key) || payload.length > this.#maxEntry) return;
    const own = this.#ownSegment();
    if (own === undefined) return;
    const offset = own.logSize;
    // Positioned, so the line's offset is right even if the file was cut short meanwhile.
    if (!this.#write(() => writeSync(own.log, payload, 0, payload.length, offset))) return;
    own.logSize += payload.length;
    const now = Date.now();
    const line = `${key} ${now} ${offset} ${payload.length} ${hash('sha256', payload, 'hex')}\n`;
    this.#load().set(key, { segment: own.name, line, at: now });
    this.#append(own, line);
  }

  async delete(key: string): Promise<void> {
    if (!this.#load().delete(key)) return;
    const own = this.#ownSegment();
    if (own !== undefined) this.#append(own, `${key} ${Date.now()} -\n`);
  }

  /** Every key with a record (for diagnostics and tests). */
  keys(): string[] {
    return [...this.#load().keys()];
  }

  /** Where a key's payload is (for diagnostics and tests). */
  locate(key: string): { file: string; offset: number; length: number } | undefined {
    const at = this.#load().get(key);
    const record = at === undefined ? undefined : parseRecord(at.line);
    return record === undefined ? undefined : { file: path.join(this.#dir, `${at!.segment}.log`), offset: record.offset, length: record.length };
  }

  /** Writes the last index block and releases every file (records already written stay). */
  close(): void {
    if (this.#own !== undefined) {
      this.#flush(this.#own);
      closeSync(this.#own.log);
      closeSync(this.#own.idx);
      this.#own = undefined;
    }
    for (const data of this.#data.values()) if (typeof data === 'number') closeSync(data);
    this.#data.clear();
  }

  // -------------------------------------------------------------------------
  // Reading

  #load(): Map<string, Location> {
    if (this.#index !== undefined) return this.#index;
    const segments = listSegments(this.#dir);
    const index = new Map<string, Location>();
    const deleted = new Map<string, number>();
    const dead: string[] = [];
    for (const segment of segments) {
      const blocks = this.#blocks(segment);
      if (blocks === 'dead') dead.push(segment);
      else for (const body of blocks) indexLines(segment, body, index, deleted);
    }
    this.#index = index;
    if (segments.length >= this.#compactAt || dead.length > 0) this.#compact(segments, new Set(dead));
    return index;
  }

  /** The bodies of a segment's index blocks whose HMAC verifies; 'dead' when it has bytes and none verifies. */
  #blocks(segment: string): string[] | 'dead' {
    let text: string;
    try {
      text = readFileSync(path.join(this.#dir, `${segment}.idx`), 'latin1');
    } catch {
      return []; // merged away by another process meanwhile
    }
    const bodies: string[] = [];
    for (let at = 0; at < text.length; ) {
      const newline = text.indexOf('\n', at);
      const header = newline < 0 ? undefined : /^#([0-9a-f]{64}) (\d{1,9})$/.exec(text.slice(at, newline));
      const end = header === undefined || header === null ? -1 : newline + 1 + Number(header[2]);
      if (header === undefined || header === null || end > text.length) {
        this.discarded++; // a torn or garbled tail: nothing after it can be framed
        break;
      }
      const body = text.slice(newline + 1, end);
      if (macEquals(header[1]!, this.#mac(segment, at, body))) bodies.push(body);
      else this.discarded++;
      at = end;
    }
    return bodies.length === 0 && text.length > 0 ? 'dead' : bodies;
  }

  #mac(segment: string, offset: number, body: string): Buffer {
    return createHmac('sha256', this.#key).update(`${DOMAIN}\0${this.#purpose}\0${segment}\0${offset}\0`).update(body, 'latin1').digest();
  }

  /** The payload a line names, if its bytes have the sha256 the line states. */
  #read(at: Location): Buffer | undefined {
    const record = parseRecord(at.line);
    if (record === undefined) return undefined;
    const payload = this.#bytes(at.segment, record.offset, record.length);
    return payload !== undefined && hash('sha256', payload, 'hex') === record.digest ? payload : undefined;
  }

  #bytes(segment: string, offset: number, length: number): Buffer | undefined {
    let data = segment === this.#own?.name ? this.#own.log : this.#data.get(segment);
    if (data === undefined) this.#data.set(segment, (data = this.#openData(segment)));
    if (data === null) return undefined;
    if (typeof data !== 'number') return offset + length <= data.length ? data.subarray(offset, offset + length) : undefined;
    try {
      const buf = Buffer.allocUnsafe(length);
      return readSync(data, buf, 0, length, offset) === length ? buf : undefined;
    } catch {
      return undefined;
    }
  }

  /** A small segment whole (one read for all its records), a large one as a descriptor; null when unreadable. */
  #openData(segment: string): Buffer | number | null {
    let fd: number | undefined;
    try {
      fd = openSync(path.join(this.#dir, `${segment}.log`), 'r');
      if (fstatSync(fd).size > WHOLE_READ_BYTES) return fd;
      const whole = readFileSync(fd);
      closeSync(fd);
      return whole;
    } catch {
      if (fd !== undefined) closeSync(fd);
      return null; // compacted away by another process, or unreadable
    }
  }

  // -------------------------------------------------------------------------
  // Writing

  #ownSegment(): OwnSegment | undefined {
    if (this.#own !== undefined || this.#unwritable) return this.#own;
    this.#write(() => {
      mkdirSync(this.#dir, { recursive: true, mode: DIR_MODE });
      const name = segmentName();
      const base = path.join(this.#dir, name);
      // 'wx': a file someone planted under our name (a link elsewhere) is never written through.
      const log = openSync(`${base}.log`, 'wx+', FILE_MODE);
      this.#own = { name, log, idx: openSync(`${base}.idx`, 'wx', FILE_MODE), logSize: 0, idxSize: 0, pending: [] };
    });
    return this.#own;
  }

  #append(own: OwnSegment, line: string): void {
    own.pending.push(line);
    if (own.pending.length >= BLOCK_LINES) this.#flush(own);
  }

  /** Writes the pending lines as one authenticated block. */
  #flush(own: OwnSegment): void {
    if (own.pending.length === 0) return;
    const block = this.#block(own.name, own.idxSize, own.pending.join(''));
    own.pending = [];
    if (this.#write(() => writeSync(own.idx, block, own.idxSize, 'latin1'))) own.idxSize += block.length;
  }

  #block(segment: string, offset: number, body: string): string {
    return `#${this.#mac(segment, offset, body).toString('hex')} ${body.length}\n${body}`;
  }

  /** Runs a write; the first failure (read-only, disk full) stops all writing for the run. */
  #write(work: () => void): boolean {
    if (this.#unwritable) return false;
    try {
      work();
      return true;
    } catch {
      this.#unwritable = true;
      return false;
    }
  }

  // -------------------------------------------------------------------------
  // Compaction

  /**
   * Copies the live records of idle segments into one new segment, then
   * deletes them; idle segments of which nothing authenticates (torn, or
   * another key's) are deleted too.
   */
  #compact(segments: string[], dead: Set<string>): void {
    const idle = segments.filter((s) => this.#idle(s));
    for (const segment of idle) if (dead.has(segment)) this.#remove(segment);
    const mergeable = new Set(idle.filter((s) => !dead.has(s)));
    if (segments.length < this.#compactAt || mergeable.size < 2 || !this.#merge(mergeable)) return;
    for (const segment of mergeable) this.#remove(segment);
  }

  /** Nobody appended to it for compactAgeMs (a long run keeps writing to a segment it made long ago). */
  #idle(segment: string): boolean {
    if (segment === this.#own?.name) return false;
    try {
      // Whole milliseconds, like Date.now(): a file written this very millisecond is not from the future.
      const touched = Math.max(...['.log', '.idx'].map((ext) => Math.floor(statSync(path.join(this.#dir, `${segment}${ext}`)).mtimeMs)));
      return Date.now() - touched >= this.#compactAge;
    } catch {
      return false;
    }
  }

  /** Writes the live records of `old` into one new segment; false when that could not be done. */
  #merge(old: Set<string>): boolean {
    const index = this.#index!;
    const live = [...index].filter(([, at]) => old.has(at.segment)).sort((a, b) => b[1].at - a[1].at);
    const name = segmentName();
    const chunks: Buffer[] = [];
    const lines: string[] = [];
    const moved = new Map<string, Location>();
    let size = 0;
    for (const [key, at] of live) {
      const payload = this.#read(at);
      if (payload === undefined || size + payload.length > this.#maxTotal) continue;
      const line = `${key} ${at.at} ${size} ${payload.length} ${hash('sha256', payload, 'hex')}\n`;
      chunks.push(payload);
      lines.push(line);
      moved.set(key, { segment: name, line, at: at.at });
      size += payload.length;
    }
    let idx = '';
    for (let i = 0; i < lines.length; i += BLOCK_LINES) idx += this.#block(name, idx.length, lines.slice(i, i + BLOCK_LINES).join(''));
    const base = path.join(this.#dir, name);
    try {
      writeNew(`${base}.log.tmp`, Buffer.concat(chunks));
      writeNew(`${base}.idx.tmp`, Buffer.from(idx, 'latin1'));
      renameSync(`${base}.log.tmp`, `${base}.log`);
      renameSync(`${base}.idx.tmp`, `${base}.idx`);
    } catch {
      for (const ext of ['.log.tmp', '.idx.tmp']) tryUnlink(`${base}${ext}`);
      return false; // read-only, or the disk is full: leave everything as it is
    }
    for (const [key, at] of index) if (old.has(at.segment)) index.delete(key);
    for (const [key, at] of moved) index.set(key, at);
    return true;
  }

  #remove(segment: string): void {
    const data = this.#data.get(segment);
    if (typeof data === 'number') closeSync(data);
    this.#data.delete(segment);
    for (const ext of ['.idx', '.log']) tryUnlink(path.join(this.#dir, `${segment}${ext}`));
  }
}

/** Adds a verified block's lines to the index: for a key, the latest time wins; a deletion removes. */
function indexLines(segment: string, body: string, index: Map<string, Location>, deleted: Map<string, number>): void {
  for (let start = 0; start < body.length; ) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const line = body.slice(start, end + 1);
    start = end + 1;
    const key = line.slice(0, 64);
    const space = line.indexOf(' ', 65);
    const at = Number(line.slice(65, space));
    if (line[64] !== ' ' || space < 0 || !Number.isSafeInteger(at)) continue;
    if (line.charCodeAt(space + 1) === 0x2d /* '-': a deletion */) {
      if (at >= (index.get(key)?.at ?? -Infinity)) index.delete(key);
      deleted.set(key, Math.max(at, deleted.get(key) ?? -Infinity));
    } else if (at >= (index.get(key)?.at ?? -Infinity) && at > (deleted.get(key) ?? -Infinity)) {
      index.set(key, { segment, line, at });
    }
  }
}

/** `<key> <ms> <offset> <length> <sha256>` → its numbers, when well-formed. */
function parseRecord(line: string): { offset: number; length: number; digest: string } | undefined {
  const [, , offset, length, digest] = line.trimEnd().split(' ');
  const o = Number(offset);
  const n = Number(length);
  if (!Number.isSafeInteger(o) || !Number.isSafeInteger(n) || o < 0 || n < 0 || digest === undefined || digest.length !== 64) return undefined;
  return { offset: o, length: n, digest };
}

function macEquals(hex: string, mac: Buffer): boolean {
  return timingSafeEqual(Buffer.from(hex, 'hex'), mac);
}

function segmentName(): string {
  return `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Segment names (without extension), oldest first. */
function listSegments(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.idx') && SEGMENT.test(n.slice(0, -4)))
      .map((n) => n.slice(0, -4))
      .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]));
  } catch {
    return [];
  }
}

/** A new file, never through something planted under that name. */
function writeNew(file: string, bytes: Buffer): void {
  const fd = openSync(file, 'wx', FILE_MODE);
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function tryUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already, or still open elsewhere (Windows): a later compaction retries
  }
}

/** How many segments a store directory holds (for diagnostics and tests). */
export function segmentCount(dir: string): number {
  return listSegments(dir).length;
}
