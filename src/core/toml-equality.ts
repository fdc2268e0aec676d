/**
 * Equality of parsed TOML (smol-toml's values): the one notion of "the same
 * data" the editor's bug guard and `lock`'s "same content" check share.
 */
import { TomlDate } from 'smol-toml';

/**
 * Structural equality, as plain loops: the editor's guard walks every edited
 * package, so it must stay far cheaper than a parse.
 *
 * Tables compare by key set, whatever the key order; arrays by position.
 * `1` never equals `"1"`; `-0` and `0` differ (they are different TOML text);
 * NaN equals NaN (it reads back as NaN). Dates compare by instant and by kind
 * (offset date-time, local date-time, local date, local time): what
 * smol-toml's text form (toISOString) encodes, except how an offset is spelled
 * (`Z` or `+00:00` for the same instant). Producing that text costs about half
 * a parse on a lockfile full of upload-times, and no splice can respell an
 * offset: splices start and end at line boundaries or replace a whole
 * identities value, and we never write dates.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return a !== 0 || Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) return Array.isArray(b) && sameArray(a, b);
  if (a instanceof Date) return b instanceof Date && sameDate(a, b);
  if (Array.isArray(b) || b instanceof Date) return false;
  return sameTable(a as Record<string, unknown>, b as Record<string, unknown>);
}

function sameArray(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
  return true;
}

function sameTable(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !sameValue(a[k], b[k])) return false;
  return true;
}

function sameDate(a: Date, b: Date): boolean {
  if (!sameValue(a.getTime(), b.getTime())) return false;
  if (!(a instanceof TomlDate) || !(b instanceof TomlDate)) return a.constructor === b.constructor;
  return a.isLocal() === b.isLocal() && a.isDate() === b.isDate() && a.isTime() === b.isTime();
}

/** The same elements, each matched once, in any order (tables written as blocks can come in any order). */
export function sameMultiset(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  const unmatched = [...b];
  for (const x of a) {
    const i = unmatched.findIndex((y) => sameValue(x, y));
    if (i < 0) return false;
    unmatched.splice(i, 1);
  }
  return true;
}

/** A TOML table: an object that is neither an array nor a date. */
export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * A 64-bit digest of a parsed value's shape and the telling parts of its
 * content (every key, type and number; each string's length and end), keys
 * and order included: two FNV-1a-style lanes over a tagged walk. Not
 * cryptographic, and it need not be: it checks
 * our scanner's spans against the parser (whoever writes a lockfile can write
 * its identities anyway). Equal values give equal digests when their keys come
 * in the same order, which is so for the same text read twice; anything else
 * only sends the editor to its whole-document check.
 */
export function fingerprint(value: unknown): string {
  const lanes = new Lanes();
  lanes.value(value);
  return lanes.digest();
}

const END_STRING = 0xffff;
const END_KEY = 0xfffe;

class Lanes {
  #a = 0x811c9dc5 | 0;
  #b = 0x9e3779b9 | 0;

  value(v: unknown): void {
    if (typeof v === 'string') {
      // Its length and last 8 code units: what tells a cut or a neighbour's value apart (sha256s differ at
      // the end, names and versions are short), at a fraction of hashing every character of 8 MB.
      this.#mix(0x73);
      this.#mix(v.length);
      for (let i = Math.max(0, v.length - 8); i < v.length; i++) this.#mix(v.charCodeAt(i));
    } else if (typeof v === 'number') {
      this.#mix(0x6e);
      this.#number(v);
    } else if (typeof v === 'boolean') {
      this.#mix(v ? 0x74 : 0x66);
    } else if (v instanceof Date) {
      this.#mix(0x64);
      this.#number(v.getTime());
      if (v instanceof TomlDate) this.#mix((v.isLocal() ? 1 : 0) | (v.isDate() ? 2 : 0) | (v.isTime() ? 4 : 0));
    } else if (Array.isArray(v)) {
      this.#mix(0x5b);
      for (const x of v) this.value(x);
      this.#mix(0x5d);
    } else if (typeof v === 'object' && v !== null) {
      this.#mix(0x7b);
      const table = v as Record<string, unknown>;
      for (const k in table) {
        this.#text(k);
        this.#mix(END_KEY);
        this.value(table[k]);
      }
      this.#mix(0x7d);
    } else {
      this.#mix(0x3f);
    }
  }

  digest(): string {
    return (this.#a >>> 0).toString(16).padStart(8, '0') + (this.#b >>> 0).toString(16).padStart(8, '0');
  }

  #text(s: string): void {
    for (let i = 0; i < s.length; i++) this.#mix(s.charCodeAt(i));
    this.#mix(END_STRING);
  }

  /** Small integers as themselves (sizes, times in 32-bit halves); anything else (-0, fractions, NaN) by its text. */
  #number(n: number): void {
    if (Number.isSafeInteger(n) && !Object.is(n, -0)) {
      this.#mix(n % 0x100000000);
      this.#mix(Math.floor(n / 0x100000000));
    } else {
      this.#text(Object.is(n, -0) ? '-0' : String(n));
    }
  }

  #mix(code: number): void {
    this.#a = Math.imul(this.#a ^ code, 0x01000193);
    const b = Math.imul(this.#b ^ code, 0x5bd1e995);
    this.#b = b ^ (b >>> 13);
  }
}
