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
