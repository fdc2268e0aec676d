/**
 * What smol-toml accepts beyond TOML 1.0: the rules, applied by the
 * scanner's one pass over the text (core/scanner.ts, `toml10Problem`).
 *
 * smol-toml reads TOML 1.1 (newlines and trailing commas in inline tables,
 * `\x`/`\e` escapes, times without seconds) and rolls impossible dates such
 * as 1988-02-30 over into March. Installers read pylock.toml with TOML 1.0
 * parsers (Python's tomllib), so such a file is already broken for them, and
 * an impossible date is broken for everyone: we refuse it with its line and
 * column rather than enrich it.
 */
import { COLON, DASH, DIGIT_0, DIGIT_9 } from './char-codes.js';

export interface TomlProblem {
  message: string;
  /** 1-based, column in UTF-16 code units. */
  line: number;
  column: number;
}

export const NEWLINE_IN_INLINE_TABLE = 'newline inside an inline table (TOML 1.1 only)';
export const TRAILING_COMMA_IN_INLINE_TABLE = 'trailing comma in an inline table (TOML 1.1 only)';

/** The escape after a backslash (`x`, `e`) that TOML 1.0 does not have, as a message; undefined for the others. */
export function escapeProblem(escaped: string | undefined): string | undefined {
  return escaped === 'x' || escaped === 'e' ? `\\${escaped} escape in a string (TOML 1.1 only)` : undefined;
}

/** Characters of bare keys and of numbers, booleans, dates and times: one value word runs over these. */
export function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x3a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d || c === 0x2b || c === 0x2e;
}

/**
 * A date that does not exist, or a time without seconds (TOML 1.1), in the
 * value word `text[from, to)` (one starting with a digit); undefined for
 * anything else. The time of `1979-05-27 07:32:00` is a word of its own.
 * Char codes, not regular expressions: a lockfile has a date per file.
 */
export function dateTimeProblem(text: string, from: number, to: number): string | undefined {
  const isDate =
    to - from >= 10 &&
    digits(text, from, 4) &&
    text.charCodeAt(from + 4) === DASH &&
    digits(text, from + 5, 2) &&
    text.charCodeAt(from + 7) === DASH &&
    digits(text, from + 8, 2);
  if (isDate) {
    const y = number(text, from, 4);
    const m = number(text, from + 5, 2);
    const d = number(text, from + 8, 2);
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return `${text.slice(from, from + 10)} is not a date that exists`;
  }
  const startsTime = to - from >= 3 && digits(text, from, 2) && text.charCodeAt(from + 2) === COLON;
  if ((isDate || startsTime) && timeWithoutSeconds(text, from, to)) return 'time without seconds (TOML 1.1 only)';
  return undefined;
}

/** `hh:mm` not followed by `:`, at the word's start or right after a `T`/`t`. */
function timeWithoutSeconds(text: string, from: number, to: number): boolean {
  for (let p = from; p + 5 <= to; p++) {
    const atStart = p === from;
    const afterT = p > from && (text.charCodeAt(p - 1) === 0x54 || text.charCodeAt(p - 1) === 0x74);
    if (!atStart && !afterT) continue;
    if (digits(text, p, 2) && text.charCodeAt(p + 2) === COLON && digits(text, p + 3, 2) && (p + 5 >= to || text.charCodeAt(p + 5) !== COLON)) return true;
  }
  return false;
}

function digits(text: string, at: number, count: number): boolean {
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

function number(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) n = n * 10 + text.charCodeAt(i) - DIGIT_0;
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
