/**
 * The one on-disk store behind every cache (HTTP answers, verdicts, file
 * outcomes, the trusted root): authenticated records in per-process,
 * append-only segments, shared by every process of the same user.
 *
 * A segment is two files written by one process only, so writers never
 * interleave:
 * - `<ms>-<pid>-<random>.log`: the payloads, appended as they come;
 * - `<ms>-<pid>-<random>.idx`: index blocks. A block is a header
 *   `#<hmac> <length> <from> <to> <sha256>` and lines `<key> <ms> <offset>
 *   <length>` (or `<key> <ms> -`, a deletion). Its records lie in bytes
 *   [from, to) of the payload file, whose sha256 the header states. The
 *   HMAC-SHA256, with a key kept outside the cache directory
 *   (io/cache-access.ts), covers the store's purpose, the segment's name,
 *   the block's offset, its payload range and digest, and its lines.
 *
 * So a record is trusted only inside a block whose HMAC verifies, and only
 * from payload bytes whose sha256 is the one the block states. Someone who
 * can write the cache directory but not read the key can delete records or
 * put back files this machine wrote earlier; they cannot create or alter a
 * record (docs/security.md, "The cache and the trust boundary"). A torn
 * write, a flipped bit or a cache restored from another machine (another
 * key) fails the same checks: a miss, never trusted.
 *
 * Why this shape (measured, docs/decisions.md): creating a file per entry
 * costs 0.1-1 ms of kernel time, an append ~10 µs; an HMAC per record costs
 * 20-40 µs, and even a sha256 per record was most of what a warm run spent
 * here. So a writer keeps a block's payloads in memory and writes them, then
 * the block's index lines, when the block ends (two writes per 256 records
 * or 1 MiB), hashing the payload range once. Opening reads the index files and checks one HMAC per block of up
 * to 256 lines; a block's payload range is hashed once, when one of its
 * records is first looked up; a payload is decoded by the caller only when
 * looked up.
 *
 * - For a key, the line with the latest time wins; a deletion removes.
 * - When segments pile up, a reader merges those nobody has written to for a
 *   minute into one (temp files + rename), newest records first within a
 *   size budget, and deletes idle segments nothing in which authenticates.
 * - Failures never fail a run: unreadable means misses, unwritable means
 *   nothing kept.
 */
import { createHash, createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
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

/**
 * A block of some segment's index: its records' payload range, and whether
 * that range has been hashed yet. `pending`: a block this process is still
 * filling, its payloads in memory (OwnSegment.buffer) until it is written.
 */
interface Block {
  segment: string;
  from: number;
  to: number;
  digest: string;
  state: 'unchecked' | 'good' | 'bad' | 'pending';
}

/** Where a key's newest record is. */
interface Entry {
  block: Block;
  offset: number;
  length: number;
  at: number;
}

interface OwnSegment {
  name: string;
  log: number;
  idx: number;
  /** Payload bytes appended: on disk up to `block.from`, the rest in `buffer`. */
  logSize: number;
  idxSize: number;
  /** The block being filled, and its index lines. */
  block: Block;
  pending: string[];
  /** The block's payloads, written with its index lines in one go (reused: records are copied in and out). */
  buffer: Buffer;
}

const KEY = /^[0-9a-f]{64}$/;
const SEGMENT = /^\d+-\d+-[0-9a-f]+$/;
const HEADER = /^#([0-9a-f]{64}) (\d{1,10}) (\d{1,15}) (\d{1,15}) ([0-9a-f]{64})$/;
const DOMAIN = 'pylock-attest-cache/2';
/**
 * A block ends after this many lines or this many payload bytes (so a lookup
 * hashes at most ~1 MiB once). Its payloads are written when it ends, with
 * its index lines: a cold run's ~3 records per file cost two writes per block,
 * not one per record (and nothing is lost that was not lost before: records
 * whose index block is unwritten were never found by anyone).
 */
const BLOCK_LINES = 256;
const BLOCK_BYTES = 1024 * 1024;
/** A segment's payloads up to this size are read whole, once; from larger ones, one block at a time. */
const WHOLE_READ_BYTES = 16 * 1024 * 1024;
/** Verified blocks of large segments kept in memory, in bytes. */
const RANGE_CACHE_BYTES = 16 * 1024 * 1024;
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
  #index: Map<string, Entry> | undefined;
  /** Payload files read whole, or an open descriptor for ranged reads; null when unreadable. */
  readonly #data = new Map<string, Buffer | number | null>();
  /** Verified payload ranges of large segments, oldest first. */
  readonly #ranges = new Map<Block, Buffer>();
  #rangeBytes = 0;
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

  /** The payload stored under `key`, if it authenticates. */
  getSync(key: string): Buffer | undefined {
    const entry = this.#load().get(key);
    if (entry === undefined) return undefined;
    const payload = this.#read(entry);
    if (payload === undefined) {
      this.discarded++;
      this.#index!.delete(key);
    }
    return payload;
  }

  async set(key: string, payload: Uint8Array | readonly Uint8Array[]): Promise<string | undefined> {
    return this.setSync(key, payload);
  }

  /**
   * Keeps `payload` under `key`; given in parts, the parts are the payload, in
   * order (no concatenated copy). Returns the record kept, as `recordOf` names
   * it, or undefined when nothing was kept.
   */
  setSync(key: string, payload: Uint8Array | readonly Uint8Array[]): string | undefined {
    const parts = payload instanceof Uint8Array ? [payload] : payload;
    const length = parts.reduce((n, p) => n + p.length, 0);
    if (!KEY.test(key) || length > this.#maxEntry) return undefined;
    const own = this.#ownSegment();
    if (own === undefined) return undefined;
    const offset = own.logSize;
    own.buffer = fitting(own.buffer, offset - own.block.from + length);
    for (const part of parts) {
      own.buffer.set(part, own.logSize - own.block.from);
      own.logSize += part.length;
    }
    const now = Date.now();
    const entry: Entry = { block: own.block, offset, length, at: now };
    this.#load().set(key, entry);
    this.#append(own, `${key} ${now} ${offset} ${length}\n`);
    return recordName(entry);
  }

  /**
   * Which record is the newest authenticated one under `key` (the index's
   * word: its payload is neither read nor hashed): its time, segment and
   * offset, undefined when there is none. Another record for the key, even
   * one kept in the same millisecond by another process, or its deletion,
   * changes it; so does a compaction, which moves the record.
   */
  recordOf(key: string): string | undefined {
    const entry = this.#load().get(key);
    return entry === undefined ? undefined : recordName(entry);
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

  /** Where a key's payload is on disk (for diagnostics and tests): the block it is in is written first. */
  locate(key: string): { file: string; offset: number; length: number } | undefined {
    const entry = this.#load().get(key);
    if (entry === undefined) return undefined;
    if (entry.block.state === 'pending' && this.#own !== undefined) this.#flush(this.#own);
    return { file: path.join(this.#dir, `${entry.block.segment}.log`), offset: entry.offset, length: entry.length };
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
    this.#ranges.clear();
    this.#rangeBytes = 0;
  }

  // -------------------------------------------------------------------------
  // Reading

  #load(): Map<string, Entry> {
    if (this.#index !== undefined) return this.#index;
    const segments = listSegments(this.#dir);
    const index = new Map<string, Entry>();
    const deleted = new Map<string, number>();
    const dead: string[] = [];
    for (const segment of segments) if (!this.#indexSegment(segment, index, deleted)) dead.push(segment);
    this.#index = index;
    if (segments.length >= this.#compactAt || dead.length > 0) this.#compact(segments, new Set(dead));
    return index;
  }

  /** Adds a segment's authenticated lines to the index; false when it has bytes and none authenticates. */
  #indexSegment(segment: string, index: Map<string, Entry>, deleted: Map<string, number>): boolean {
    let text: string;
    try {
      text = readFileSync(path.join(this.#dir, `${segment}.idx`), 'latin1');
    } catch {
      return true; // merged away by another process meanwhile
    }
    let good = 0;
    for (let at = 0; at < text.length; ) {
      const newline = text.indexOf('\n', at);
      const header = newline < 0 ? null : HEADER.exec(text.slice(at, newline));
      const end = header === null ? -1 : newline + 1 + Number(header[2]);
      if (header === null || end > text.length) {
        this.discarded++; // a torn or garbled tail: nothing after it can be framed
        break;
      }
      const block: Block = { segment, from: Number(header[3]), to: Number(header[4]), digest: header[5]!, state: 'unchecked' };
      const body = text.slice(newline + 1, end);
      if (block.from <= block.to && macEquals(header[1]!, this.#mac(segment, at, block, body))) {
        indexLines(block, body, index, deleted);
        good++;
      } else {
        this.discarded++;
      }
      at = end;
    }
    return good > 0 || text.length === 0;
  }

  #mac(segment: string, offset: number, block: Pick<Block, 'from' | 'to' | 'digest'>, body: string): Buffer {
    const head = `${DOMAIN}\0${this.#purpose}\0${segment}\0${offset}\0${block.from}\0${block.to}\0${block.digest}\0`;
    return createHmac('sha256', this.#key).update(head).update(body, 'latin1').digest();
  }

  /** The payload of an entry, from bytes whose digest checks (or still in this process's memory). */
  #read(entry: Entry): Buffer | undefined {
    const { block, offset, length } = entry;
    const own = this.#own;
    if (block.state === 'pending') {
      // A copy: the buffer is reused once the block is written.
      return own === undefined ? undefined : Buffer.from(own.buffer.subarray(offset - block.from, offset - block.from + length));
    }
    if (own !== undefined && block.segment === own.name) {
      // Written by this process, still being appended to: read the block again and check it each time (rare: a run seldom reads what it wrote).
      const range = block.state === 'bad' ? undefined : readRange(own.log, block.from, block.to - block.from);
      return range !== undefined && hash('sha256', range, 'hex') === block.digest
        ? Buffer.from(range.subarray(offset - block.from, offset - block.from + length))
        : undefined;
    }
    const range = this.#range(block);
    return range?.subarray(offset - block.from, offset - block.from + length);
  }

  /** A block's payload range, hashed the first time it is needed; undefined when it does not check. */
  #range(block: Block): Buffer | undefined {
    if (block.state === 'bad') return undefined;
    const kept = this.#ranges.get(block);
    if (kept !== undefined) return kept;
    let data = this.#data.get(block.segment);
    if (data === undefined) {
      data = this.#openData(block.segment);
      this.#data.set(block.segment, data);
    }
    const bytes =
      data === null
        ? undefined
        : typeof data === 'number'
          ? readRange(data, block.from, block.to - block.from)
          : block.to <= data.length
            ? data.subarray(block.from, block.to)
            : undefined;
    if (block.state === 'unchecked') block.state = bytes !== undefined && hash('sha256', bytes, 'hex') === block.digest ? 'good' : 'bad';
    if (block.state === 'bad' || bytes === undefined) return undefined;
    // Ranges of a large segment are kept (bounded) so that its next records need no read and no hash.
    if (typeof data === 'number') this.#keepRange(block, bytes);
    return bytes;
  }

  #keepRange(block: Block, bytes: Buffer): void {
    this.#ranges.set(block, bytes);
    this.#rangeBytes += bytes.length;
    for (const [old, b] of this.#ranges) {
      if (this.#rangeBytes <= RANGE_CACHE_BYTES || old === block) break;
      this.#ranges.delete(old);
      this.#rangeBytes -= b.length;
      old.state = 'unchecked'; // read again later, so hashed again: the file may have changed meanwhile
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
      this.#own = {
        name,
        log,
        idx: openSync(`${base}.idx`, 'wx', FILE_MODE),
        logSize: 0,
        idxSize: 0,
        block: pendingBlock(name, 0),
        pending: [],
        buffer: Buffer.allocUnsafe(64 * 1024),
      };
    });
    return this.#own;
  }

  #append(own: OwnSegment, line: string): void {
    own.pending.push(line);
    if (own.pending.length >= BLOCK_LINES || own.logSize - own.block.from >= BLOCK_BYTES) this.#flush(own);
  }

  /** Writes the block being filled: its payloads, then its lines as one authenticated index block. */
  #flush(own: OwnSegment): void {
    if (own.pending.length === 0) return;
    const block = own.block;
    const payloads = own.buffer.subarray(0, own.logSize - block.from);
    // Positioned, so the lines' offsets are right even if the file was cut short meanwhile.
    const written = payloads.length === 0 || this.#write(() => writeSync(own.log, payloads, 0, payloads.length, block.from));
    Object.assign(block, { to: own.logSize, digest: hash('sha256', payloads, 'hex'), state: written ? 'unchecked' : 'bad' });
    const text = this.#block(own.name, own.idxSize, block, own.pending.join(''));
    own.pending = [];
    own.block = pendingBlock(own.name, own.logSize);
    if (written && this.#write(() => writeSync(own.idx, text, own.idxSize, 'latin1'))) own.idxSize += text.length;
  }

  #block(segment: string, offset: number, range: Pick<Block, 'from' | 'to' | 'digest'>, body: string): string {
    return `#${this.#mac(segment, offset, range, body).toString('hex')} ${body.length} ${range.from} ${range.to} ${range.digest}\n${body}`;
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
   * deletes them; idle segments nothing in which authenticates (torn, or
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
    const live = [...index].filter(([, e]) => old.has(e.block.segment)).sort((a, b) => b[1].at - a[1].at);
    const name = segmentName();
    const base = path.join(this.#dir, name);
    const moved = new Map<string, Entry>();
    let fd: number | undefined;
    try {
      // Payloads go straight to the new file: a 512 MiB budget is never held in memory at once.
      fd = openSync(`${base}.log.tmp`, 'wx', FILE_MODE);
      const blocks = new BlockWriter(name, (offset, range, body) => this.#block(name, offset, range, body));
      for (const [key, entry] of live) {
        const payload = this.#read(entry);
        if (payload === undefined || blocks.size + payload.length > this.#maxTotal) continue;
        writeSync(fd, payload, 0, payload.length, blocks.size);
        moved.set(key, blocks.add(key, entry.at, payload));
      }
      closeSync(fd);
      fd = undefined;
      writeNew(`${base}.idx.tmp`, Buffer.from(blocks.finish(), 'latin1'));
      renameSync(`${base}.log.tmp`, `${base}.log`);
      renameSync(`${base}.idx.tmp`, `${base}.idx`);
    } catch {
      if (fd !== undefined) closeSync(fd);
      for (const ext of ['.log.tmp', '.idx.tmp']) tryUnlink(`${base}${ext}`);
      return false; // read-only, or the disk is full: leave everything as it is
    }
    for (const [key, e] of index) if (old.has(e.block.segment)) index.delete(key);
    for (const [key, e] of moved) index.set(key, e);
    return true;
  }

  #remove(segment: string): void {
    const data = this.#data.get(segment);
    if (typeof data === 'number') closeSync(data);
    this.#data.delete(segment);
    for (const ext of ['.idx', '.log']) tryUnlink(path.join(this.#dir, `${segment}${ext}`));
  }
}

/** A merged segment's index, block by block, over payloads written in order. Its blocks are checked on read like any other. */
class BlockWriter {
  size = 0;
  #text = '';
  #lines: string[] = [];
  #block: Block;
  #sha = createHash('sha256');

  constructor(
    private readonly segment: string,
    private readonly render: (offset: number, range: Pick<Block, 'from' | 'to' | 'digest'>, body: string) => string,
  ) {
    this.#block = { segment, from: 0, to: 0, digest: '', state: 'unchecked' };
  }

  add(key: string, at: number, payload: Buffer): Entry {
    const entry: Entry = { block: this.#block, offset: this.size, length: payload.length, at };
    this.#lines.push(`${key} ${at} ${this.size} ${payload.length}\n`);
    this.#sha.update(payload);
    this.size += payload.length;
    if (this.#lines.length >= BLOCK_LINES || this.size - this.#block.from >= BLOCK_BYTES) this.#end();
    return entry;
  }

  finish(): string {
    this.#end();
    return this.#text;
  }

  #end(): void {
    if (this.#lines.length === 0) return;
    Object.assign(this.#block, { to: this.size, digest: this.#sha.digest('hex') });
    this.#text += this.render(this.#text.length, this.#block, this.#lines.join(''));
    this.#lines = [];
    this.#block = { segment: this.segment, from: this.size, to: this.size, digest: '', state: 'unchecked' };
    this.#sha = createHash('sha256');
  }
}

/** Adds a verified block's lines to the index: for a key, the latest time wins; a deletion removes. */
function indexLines(block: Block, body: string, index: Map<string, Entry>, deleted: Map<string, number>): void {
  for (let start = 0; start < body.length; ) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const line = start;
    start = end + 1;
    if (body.charCodeAt(line + 64) !== 0x20) continue;
    const key = body.slice(line, line + 64);
    const at = digits(body, line + 65);
    const next = digitsEnd;
    if (next < 0) continue;
    if (body.charCodeAt(next + 1) === 0x2d /* '-': a deletion */) {
      if (at >= (index.get(key)?.at ?? -Infinity)) index.delete(key);
      deleted.set(key, Math.max(at, deleted.get(key) ?? -Infinity));
      continue;
    }
    const offset = digits(body, next + 1);
    const afterOffset = digitsEnd;
    const length = digits(body, afterOffset + 1);
    if (afterOffset < 0 || digitsEnd !== end || offset < block.from || offset + length > block.to) continue;
    if (at >= (index.get(key)?.at ?? -Infinity) && at > (deleted.get(key) ?? -Infinity)) index.set(key, { block, offset, length, at });
  }
}

/** Where the last `digits` call stopped (-1: no digits there). A variable, not a returned pair: 4 calls per line, 20,000 lines. */
let digitsEnd = -1;

/** The decimal number starting at `from`; sets `digitsEnd` just past it. */
function digits(text: string, from: number): number {
  let value = 0;
  let i = from;
  for (; i < text.length && i - from < 16; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
  }
  digitsEnd = i === from ? -1 : i;
  return value;
}

/** The block a segment this process writes is filling, from `from` on. */
function pendingBlock(segment: string, from: number): Block {
  return { segment, from, to: from, digest: '', state: 'pending' };
}

/** A record's name: its time, segment and offset, which no other record shares. */
function recordName(entry: Entry): string {
  return `${entry.at}:${entry.block.segment}:${entry.offset}`;
}

/** `buffer`, or a larger copy of it when `size` bytes do not fit. */
function fitting(buffer: Buffer, size: number): Buffer {
  if (size <= buffer.length) return buffer;
  const larger = Buffer.allocUnsafe(Math.max(size, buffer.length * 2));
  buffer.copy(larger);
  return larger;
}

function readRange(fd: number, offset: number, length: number): Buffer | undefined {
  try {
    const buf = Buffer.allocUnsafe(length);
    return readSync(fd, buf, 0, length, offset) === length ? buf : undefined;
  } catch {
    return undefined;
  }
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
