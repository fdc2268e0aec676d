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

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const TIME_WITHOUT_SECONDS = /(?:^|[Tt])\d{2}:\d{2}(?!:)/;

/**
 * A date that does not exist, or a time without seconds (TOML 1.1), in a
 * value word starting with a digit; undefined for anything else. The time of
 * `1979-05-27 07:32:00` is a word of its own.
 */
export function dateTimeProblem(word: string): string | undefined {
  const date = DATE.exec(word);
  if (date !== null) {
    const [, y, m, d] = date.map(Number) as [number, number, number, number];
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return `${date[0]} is not a date that exists`;
  }
  if ((date !== null || /^\d{2}:/.test(word)) && TIME_WITHOUT_SECONDS.test(word)) {
    return 'time without seconds (TOML 1.1 only)';
  }
  return undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
