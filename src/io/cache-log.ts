/**
 * A cache of many small entries as append-only log segments: the verdict
 * cache. One file per entry would cost a warm 6,000-file run 6,000 opens;
 * this costs one read per segment, at the first lookup.
 *
 * - Each process appends to its own new segment (`<time>-<pid>-<random>.log`),
 *   so writers never interleave; readers load every segment.
 * - Each line is `<sha256 of the rest> <key> <payload>`: a torn or altered
 *   line fails its checksum and is skipped, never trusted (the checksum
 *   detects corruption, not tampering, like io/segment-store.ts).
 * - When segments pile up, a reader merges those older than a minute into
 *   one (temp file + rename) and deletes them, keeping the newest
 *   MAX_ENTRIES keys. A process still appending to a merged segment only
 *   loses entries; a cache may.
 * - Failures never fail a run: an unreadable directory reads as empty, an
 *   unwritable one keeps nothing.
 */
import { hash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

const KEY = /^[0-9a-f]{64}$/;
const SEGMENT = /^\d+-\d+-[0-9a-f]+\.log$/;
/** A payload is one line of JSON, at most this long. */
const MAX_PAYLOAD = 64 * 1024;
const MAX_ENTRIES = 200_000;
const COMPACT_SEGMENTS = 16;
const COMPACT_AGE_MS = 60_000;

export class LogCacheStore {
  readonly #dir: string;
  #entries: Map<string, string> | undefined;
  #fd: number | undefined;
  #unwritable = false;
  /** Lines skipped as corrupt in this run (for tests and diagnostics). */
  discarded = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const payload = this.#load().get(key);
    return payload === undefined ? undefined : Buffer.from(payload);
  }

  async set(key: string, payload: Buffer): Promise<void> {
    const text = payload.toString('utf8');
    if (!KEY.test(key) || text.length > MAX_PAYLOAD || /[\r\n]/.test(text)) return;
    this.#load().set(key, text);
    this.#append(key, text);
  }

  /** Releases this process's segment (entries already written stay). */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #load(): Map<string, string> {
    if (this.#entries !== undefined) return this.#entries;
    const entries = new Map<string, string>();
    const segments = this.#segments();
    for (const name of segments) {
      let text: string;
      try {
        text = readFileSync(path.join(this.#dir, name), 'utf8');
      } catch {
        continue; // merged away by another process meanwhile
      }
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const entry = parseLine(line);
        if (entry === undefined) this.discarded++;
        else entries.set(entry.key, entry.payload);
      }
    }
    this.#entries = entries;
    if (segments.length > COMPACT_SEGMENTS) this.#compact(segments, entries);
    return entries;
  }

  /** Segment names, oldest first. */
  #segments(): string[] {
    try {
      return readdirSync(this.#dir).filter((n) => SEGMENT.test(n)).sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]));
    } catch {
      return [];
    }
  }

  #append(key: string, payload: string): void {
    if (this.#unwritable) return;
    try {
      if (this.#fd === undefined) {
        mkdirSync(this.#dir, { recursive: true });
        this.#fd = openSync(path.join(this.#dir, segmentName()), 'a');
      }
      writeSync(this.#fd, formatLine(key, payload));
    } catch {
      this.#unwritable = true;
    }
  }

  /** Merges old segments into one; entries from segments still being written stay where they are. */
  #compact(segments: string[], entries: Map<string, string>): void {
    const now = Date.now();
    const old = segments.filter((name) => {
      try {
        return now - statSync(path.join(this.#dir, name)).mtimeMs > COMPACT_AGE_MS;
      } catch {
        return false;
      }
    });
    if (old.length < 2) return;
    const keep = [...entries].slice(-MAX_ENTRIES);
    const merged = path.join(this.#dir, segmentName());
    try {
      writeFileSync(`${merged}.tmp`, keep.map(([k, p]) => formatLine(k, p)).join(''));
      renameSync(`${merged}.tmp`, merged);
      for (const name of old) unlinkSync(path.join(this.#dir, name));
    } catch {
      // Another process compacting at the same time, or a read-only cache: the segments stay.
    }
  }
}

function segmentName(): string {
  return `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.log`;
}

function checksum(body: string): string {
  return hash('sha256', body, 'hex');
}

function formatLine(key: string, payload: string): string {
  const body = `${key} ${payload}`;
  return `${checksum(body)} ${body}\n`;
}

function parseLine(line: string): { key: string; payload: string } | undefined {
  const body = line.slice(65);
  if (line[64] !== ' ' || checksum(body) !== line.slice(0, 64)) return undefined;
  const key = body.slice(0, 64);
  if (!KEY.test(key) || body[64] !== ' ') return undefined;
  return { key, payload: body.slice(65) };
}
