/**
 * What smol-toml accepts beyond TOML 1.0, found in text it has already parsed.
 *
 * smol-toml reads TOML 1.1 (newlines and trailing commas in inline tables,
 * `\x`/`\e` escapes, times without seconds) and rolls impossible dates such
 * as 1988-02-30 over into March. Installers read pylock.toml with TOML 1.0
 * parsers (Python's tomllib), so such a file is already broken for them, and
 * an impossible date is broken for everyone: we refuse it with its line and
 * column rather than enrich it.
 *
 * This is one linear pass that knows only what can hide these constructs:
 * the four string kinds, comments, and bracket nesting. Everything else was
 * validated by smol-toml.
 */
import { TAB, LF, CR, SPACE, QUOTE, HASH, APOS, COMMA, EQUALS, LBRACKET, RBRACKET, LBRACE, RBRACE } from './char-codes.js';

export interface TomlProblem {
  message: string;
  /** 1-based, column in UTF-16 code units. */
  line: number;
  column: number;
}

/** Where a bracket opened: a table header, an array value, or an inline table. */
type Open = 'header' | 'array' | 'inline';

type Found = { message: string; at: number };

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const TIME_WITHOUT_SECONDS = /(?:^|[Tt])\d{2}:\d{2}(?!:)/;

/** The first TOML 1.0 violation in `text` (valid to smol-toml), or undefined. */
export function toml10Problem(text: string): TomlProblem | undefined {
  const found = new Toml10Check(text).run();
  return found === undefined ? undefined : { message: found.message, ...position(text, found.at) };
}

/** Characters of bare keys and of numbers, booleans, dates and times. */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x3a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d || c === 0x2b || c === 0x2e;
}

class Toml10Check {
  private i = 0;
  private readonly stack: Open[] = [];
  /** After `=` (or inside an array): bare words are values, not keys. */
  private inValue = false;
  /** The last character code outside strings, comments and whitespace. */
  private last = 0;
  /** The next backslash at or after the scan position, cached so string scans stay linear. */
  private nextBackslash: number;

  constructor(private readonly text: string) {
    this.nextBackslash = text.indexOf('\\');
  }

  run(): Found | undefined {
    const { text } = this;
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === SPACE || c === TAB || c === CR) {
        this.i++;
        continue;
      }
      const found = c === QUOTE || c === APOS ? this.string(c) : this.token(c);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private token(c: number): Found | undefined {
    const at = this.i;
    if (c === HASH) {
      const nl = this.text.indexOf('\n', at);
      this.i = nl === -1 ? this.text.length : nl;
      return undefined;
    }
    if (c === LF) {
      this.i++;
      if (this.top() === 'inline') return { message: 'newline inside an inline table (TOML 1.1 only)', at };
      if (this.stack.length === 0) this.inValue = false;
      return undefined;
    }
    if (c === RBRACE && this.last === COMMA) return { message: 'trailing comma in an inline table (TOML 1.1 only)', at };
    this.last = c;
    if (isWordChar(c)) return this.word(at);
    this.i++;
    this.punctuation(c);
    return undefined;
  }

  private punctuation(c: number): void {
    switch (c) {
      case LBRACE:
        this.stack.push('inline');
        this.inValue = false;
        return;
      case LBRACKET: {
        const open = this.stack.length === 0 && !this.inValue ? 'header' : this.top() === 'header' ? 'header' : 'array';
        this.stack.push(open);
        if (open === 'array') this.inValue = true;
        return;
      }
      case RBRACE:
      case RBRACKET:
        // What closed was a value (inline table, array) unless it was a header.
        this.inValue = this.stack.pop() !== 'header';
        return;
      case EQUALS:
        this.inValue = true;
        return;
      case COMMA:
        if (this.top() === 'inline') this.inValue = false;
        return;
      default:
      // Anything else smol-toml accepted (a `.` between quoted keys, a non-ASCII key character) says nothing here.
    }
  }

  private word(at: number): Found | undefined {
    const { text } = this;
    let end = at + 1;
    while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    this.i = end;
    const first = text.charCodeAt(at);
    if (!this.inValue || first < DIGIT_0 || first > DIGIT_9) return undefined;
    const message = checkDateTime(text.slice(at, end));
    return message === undefined ? undefined : { message, at };
  }

  private string(quote: number): Found | undefined {
    const { text } = this;
    const start = this.i;
    this.last = quote;
    const q = quote === QUOTE ? '"' : "'";
    const multi = text.charCodeAt(start + 1) === quote && text.charCodeAt(start + 2) === quote;
    let j = start + (multi ? 3 : 1);
    for (;;) {
      const close = text.indexOf(q, j);
      if (close === -1) {
        this.i = text.length;
        return undefined;
      }
      const backslash = quote === QUOTE ? this.backslashFrom(j) : -1;
      if (backslash !== -1 && backslash < close) {
        const escaped = text[backslash + 1];
        if (escaped === 'x' || escaped === 'e') return { message: `\\${escaped} escape in a string (TOML 1.1 only)`, at: backslash };
        j = backslash + 2;
        continue;
      }
      if (!multi) {
        this.i = close + 1;
        return undefined;
      }
      if (text.charCodeAt(close + 1) === quote && text.charCodeAt(close + 2) === quote) {
        // A multi-line string may end with up to two quotes of content before its closing three.
        let end = close + 3;
        while (end < close + 5 && text.charCodeAt(end) === quote) end++;
        this.i = end;
        return undefined;
      }
      j = close + 1;
    }
  }

  private backslashFrom(j: number): number {
    if (this.nextBackslash !== -1 && this.nextBackslash < j) this.nextBackslash = this.text.indexOf('\\', j);
    return this.nextBackslash;
  }

  private top(): Open | undefined {
    return this.stack[this.stack.length - 1];
  }
}

/** A date that does not exist, or a time without seconds (TOML 1.1). The time of `1979-05-27 07:32:00` is a word of its own. */
function checkDateTime(word: string): string | undefined {
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

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
