/**
 * Our TOML scanner: one linear pass that finds where each statement of a
 * document sits, so the editor can splice text without re-serializing it, and
 * that checks, on the way, what TOML 1.0 forbids and smol-toml accepts
 * (core/toml-strict.ts): one pass over the text gives the statements, their
 * line numbers and the strict check.
 *
 * It is not a validator. The caller has already parsed the same text with
 * smol-toml; the scanner only has to be right about *where* things are on
 * valid input. It understands what can hide a newline, a `[`, a `#` or a `=`
 * from a naive reader: the four string kinds, comments, nested arrays and
 * inline tables (TOML 1.1's multi-line inline tables included). Values are
 * skipped, never decoded; keys are decoded because the editor matches on them.
 *
 * Speed matters (lockfiles reach megabytes): the hot path is a charCode loop
 * that allocates nothing per character, strings are skipped with indexOf, and
 * each statement costs one object (see `keyPath`), handed to the caller as it
 * is found: a caller that keeps few of them leaves the rest to die young.
 *
 * Newlines are LF or CRLF (TOML forbids a bare CR); line numbers count LFs.
 */
import { PylockAttestError } from '../errors.js';
import {
  TAB,
  LF,
  CR,
  SPACE,
  QUOTE,
  HASH,
  APOS,
  COMMA,
  DASH,
  DOT,
  DIGIT_0,
  DIGIT_9,
  COLON,
  EQUALS,
  LBRACKET,
  BACKSLASH,
  RBRACKET,
  LBRACE,
  RBRACE,
  BOM,
} from './char-codes.js';
import { dateTimeProblem, escapeProblem, isWordChar, NEWLINE_IN_INLINE_TABLE, TRAILING_COMMA_IN_INLINE_TABLE, type TomlProblem } from './toml-strict.js';

interface StatementBase {
  /** Decoded key path: the header's table path, or the key's dotted path. Shared between statements, so frozen. */
  path: readonly string[];
  /** Offset of the physical line the statement starts on (indentation included). */
  lineStart: number;
  /** Offset of the header's `[` or of the key's first character. */
  start: number;
  /** Offset just past the header's closing bracket(s), or past the value. */
  end: number;
  /** Offset of the newline ending the statement's last line (text.length at EOF); a trailing comment lies before it. */
  lineEnd: number;
  /** Offset just past that newline (`\n` or `\r\n`), or text.length at EOF. */
  next: number;
  /** 1-based line of `start`. */
  line: number;
  /** 1-based column of `start`, in UTF-16 code units. */
  column: number;
}

/** `[a.b]` (kind `table`) or `[[a.b]]` (kind `array-table`). */
export interface TableStatement extends StatementBase {
  kind: 'table' | 'array-table';
}

/** `a.b = value`, at statement level (keys inside inline tables are part of the value). */
export interface KeyValueStatement extends StatementBase {
  kind: 'keyvalue';
  /** Offset of the value's first character; the value ends at `end`. */
  valueStart: number;
}

export type Statement = TableStatement | KeyValueStatement;

/** Slots in the shared-path cache (a power of two). */
const PATH_CACHE_SIZE = 256;

interface SharedPath {
  raw: string;
  path: readonly string[];
}

/** Scan `text` (valid TOML) and return its statements in document order. */
export function scanToml(text: string): Statement[] {
  const out: Statement[] = [];
  new Scanner(text, (s) => out.push(s)).run();
  return out;
}

/**
 * The one pass: each statement goes to `visit` in document order; the result
 * is the first thing TOML 1.0 forbids that smol-toml accepts, or undefined.
 * Throws LOCK_PARSE where the text is not TOML the scanner can follow, unless
 * a problem came before that point: then the problem is the answer (and the
 * statements visited may be incomplete; a problem refuses the file anyway).
 */
export function scanTomlWith(text: string, visit: (s: Statement) => void): TomlProblem | undefined {
  const scanner = new Scanner(text, visit);
  try {
    scanner.run();
  } catch (e) {
    if (scanner.problem() === undefined) throw e;
  }
  return scanner.problem();
}

/** The first TOML 1.0 violation in `text` (valid to smol-toml), or undefined. */
export function toml10Problem(text: string): TomlProblem | undefined {
  return scanTomlWith(text, () => undefined);
}

/** Open brackets inside a value. */
const ARRAY = 0;
const INLINE = 1;

class Scanner {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly paths: Array<SharedPath | undefined> = new Array<SharedPath | undefined>(PATH_CACHE_SIZE).fill(undefined);
  /** The first TOML 1.0 problem: its offset (-1 while none) and message. */
  private problemAt = -1;
  private problemMessage = '';
  /** The next backslash at or after `backslashFrom` (-1: none), cached so escape checks stay linear. */
  private backslash = -1;
  private backslashFrom = Number.MAX_SAFE_INTEGER;
  /** Brackets open in the value being skipped, innermost last. */
  private readonly open: number[] = [];

  constructor(
    private readonly text: string,
    private readonly visit: (s: Statement) => void,
  ) {}

  run(): void {
    const { text } = this;
    const len = text.length;
    // Tolerated, though callers strip it: columns then count from after it.
    if (text.charCodeAt(0) === BOM) this.pos = this.lineStart = 1;
    while (this.pos < len) {
      const c = text.charCodeAt(this.pos);
      if (c === SPACE || c === TAB || c === CR) this.pos++;
      else if (c === LF) this.newline(this.pos);
      else if (c === HASH) this.pos = this.skipComment(this.pos);
      else if (c === LBRACKET) this.visit(this.header());
      else this.visit(this.keyValue());
    }
  }

  problem(): TomlProblem | undefined {
    return this.problemAt < 0 ? undefined : { message: this.problemMessage, ...positionOf(this.text, this.problemAt) };
  }

  // Each statement is one object literal of a fixed shape, built once: 10^5 of them must stay cheap.
  private header(): TableStatement {
    const { lineStart, line, pos: start } = this;
    const isArray = this.text.charCodeAt(start + 1) === LBRACKET;
    this.pos = start + (isArray ? 2 : 1);
    const path = this.keyPath();
    this.expect(RBRACKET);
    if (isArray) this.expect(RBRACKET);
    const kind = isArray ? 'array-table' : 'table';
    const end = this.pos;
    const lineEnd = this.lineEnd(end);
    const next = this.newline(lineEnd);
    return { kind, path, lineStart, start, end, lineEnd, next, line, column: start - lineStart + 1 };
  }

  private keyValue(): KeyValueStatement {
    const { lineStart, line, pos: start } = this;
    const path = this.keyPath();
    this.expect(EQUALS);
    this.skipBlanks();
    const valueStart = this.pos;
    const end = this.skipStatementValue(valueStart);
    const lineEnd = this.lineEnd(end);
    const next = this.newline(lineEnd);
    return { kind: 'keyvalue', path, lineStart, start, valueStart, end, lineEnd, next, line, column: start - lineStart + 1 };
  }

  /** Past trailing blanks and an optional comment: the offset where the line's newline starts. */
  private lineEnd(from: number): number {
    const { text } = this;
    let p = from;
    while (isBlank(text.charCodeAt(p))) p++;
    if (text.charCodeAt(p) === HASH) p = this.skipComment(p);
    const c = text.charCodeAt(p);
    if (p < text.length && c !== LF && c !== CR) this.fail(p, 'expected a newline after the statement');
    return p;
  }

  /** Consume the newline (LF or CRLF) at `p`, if any; returns the next line's start. */
  private newline(p: number): number {
    const { text } = this;
    if (text.charCodeAt(p) === CR) p++;
    if (text.charCodeAt(p) === LF) {
      p++;
      this.line++;
    }
    this.pos = p;
    this.lineStart = p;
    return p;
  }

  /**
   * Lockfiles repeat a dozen key paths 10^5 times, so a path is decoded once
   * and shared (frozen) by the statements that spell it the same way. That
   * leaves one surviving object per statement, which keeps an 8 MB scan
   * cheap for the GC. The cache is direct-mapped: a collision only costs a
   * fresh decode.
   */
  private keyPath(): readonly string[] {
    this.skipBlanks();
    const { text } = this;
    const from = this.pos;
    const to = this.keyPathEnd(from);
    const slot = (text.charCodeAt(from) * 31 + text.charCodeAt(to - 1) * 7 + to - from) & (PATH_CACHE_SIZE - 1);
    const hit = this.paths[slot];
    let path: readonly string[];
    if (hit !== undefined && hit.raw.length === to - from && text.startsWith(hit.raw, from)) {
      path = hit.path;
    } else {
      path = Object.freeze(this.decodePath());
      this.paths[slot] = { raw: text.slice(from, to), path };
    }
    this.pos = to;
    this.skipBlanks();
    return path;
  }

  /** Where a dotted key ends (before the blanks ahead of `=` or `]`), without decoding it. */
  private keyPathEnd(p: number): number {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) p = this.basicString(p, skipBasic(text, p));
      else if (c === APOS) p = skipLiteral(text, p);
      else p = this.bareKeyEnd(p);
      const keyEnd = p;
      while (isBlank(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== DOT) return keyEnd;
      p++;
      while (isBlank(text.charCodeAt(p))) p++;
    }
  }

  private decodePath(): string[] {
    const path = [this.key()];
    for (;;) {
      this.skipBlanks();
      if (this.text.charCodeAt(this.pos) !== DOT) return path;
      this.pos++;
      this.skipBlanks();
      path.push(this.key());
    }
  }

  private key(): string {
    const { text, pos } = this;
    const c = text.charCodeAt(pos);
    if (c === QUOTE) {
      this.pos = skipBasic(text, pos);
      return decodeBasic(text, pos + 1, this.pos - 1);
    }
    if (c === APOS) {
      this.pos = skipLiteral(text, pos);
      return text.slice(pos + 1, this.pos - 1);
    }
    this.pos = this.bareKeyEnd(pos);
    return text.slice(pos, this.pos);
  }

  /** Liberal on purpose: whatever the validator accepted as a bare key is consumed whole. */
  private bareKeyEnd(pos: number): number {
    const { text } = this;
    const len = text.length;
    let p = pos;
    while (p < len) {
      const c = text.charCodeAt(p);
      if (c < 0x80 && BARE_KEY_CHAR[c] === 0) break;
      p++;
    }
    if (p === pos) this.fail(pos, 'expected a key');
    return p;
  }

  /** A statement-level value ends at its closing delimiter or, for a scalar, before trailing blanks. */
  private skipStatementValue(p: number): number {
    const { text } = this;
    const c = text.charCodeAt(p);
    if (c === QUOTE || c === APOS || c === LBRACKET || c === LBRACE) {
      const end = c === QUOTE || c === APOS ? this.skipString(p) : this.skipNested(p);
      // Only arrays, inline tables and multi-line strings can span lines.
      if (c === LBRACKET || c === LBRACE || isTriple(text, p, c)) this.line += countNewlines(text, p, end);
      return end;
    }
    // Scalars (numbers, booleans, dates) hold no `#` or newline, but a date may hold a space.
    let q = p;
    while (q < text.length) {
      const d = text.charCodeAt(q);
      if (d === LF || d === CR || d === HASH) break;
      q++;
    }
    while (q > p && isBlank(text.charCodeAt(q - 1))) q--;
    if (q === p) this.fail(p, 'expected a value');
    for (let w = p; w < q; ) w = isWordChar(text.charCodeAt(w)) ? this.valueWord(w) : w + 1;
    return q;
  }

  /** Any string; a basic one is checked for TOML 1.1's escapes. Returns the offset past it. */
  private skipString(p: number): number {
    const { text } = this;
    if (text.charCodeAt(p) === APOS) return isTriple(text, p, APOS) ? skipMultiLiteral(text, p) : skipLiteral(text, p);
    return this.basicString(p, isTriple(text, p, QUOTE) ? skipMultiBasic(text, p) : skipBasic(text, p));
  }

  /** Checks the escapes of the basic string from `p` to `end`; returns `end`. Every backslash starts a two-character escape. */
  private basicString(p: number, end: number): number {
    const { text } = this;
    for (let b = this.nextBackslash(p); b >= 0 && b < end; b = this.nextBackslash(b + 2)) {
      const problem = escapeProblem(text[b + 1]);
      if (problem !== undefined) this.flag(b, problem);
    }
    return end;
  }

  private nextBackslash(from: number): number {
    if (from < this.backslashFrom || (this.backslash !== -1 && this.backslash < from)) {
      this.backslash = this.text.indexOf('\\', from);
      this.backslashFrom = from;
    }
    return this.backslash;
  }

  /**
   * An array or inline table: only strings and comments can hide a bracket.
   * On the way, what TOML 1.0 forbids inside: a newline or a trailing comma
   * in an inline table, and impossible dates or times without seconds among
   * the values (words after `=` in an inline table, any word in an array).
   */
  private skipNested(p: number): number {
    const { text, open } = this;
    const len = text.length;
    open.length = 0;
    let inValue = true;
    let last = 0;
    while (p < len) {
      const c = text.charCodeAt(p);
      if (c === QUOTE || c === APOS) {
        p = this.skipString(p);
        last = c;
      } else if (c === HASH) {
        const lf = text.indexOf('\n', p);
        p = lf < 0 ? len : lf;
      } else if (c === LF) {
        if (open[open.length - 1] === INLINE) this.flag(p, NEWLINE_IN_INLINE_TABLE);
        p++;
      } else if (c === SPACE || c === TAB || c === CR) {
        p++;
      } else if (isWordChar(c)) {
        last = c;
        p = inValue ? this.valueWord(p) : wordEnd(text, p);
      } else {
        if (c === RBRACE && last === COMMA) this.flag(p, TRAILING_COMMA_IN_INLINE_TABLE);
        last = c;
        p++;
        if (c === LBRACKET || c === LBRACE) {
          open.push(c === LBRACKET ? ARRAY : INLINE);
          inValue = c === LBRACKET;
        } else if (c === RBRACKET || c === RBRACE) {
          open.pop();
          if (open.length === 0) return p;
          inValue = true;
        } else if (c === EQUALS) {
          inValue = true;
        } else if (c === COMMA && open[open.length - 1] === INLINE) {
          inValue = false;
        }
      }
    }
    return unterminated(text, p, 'array or inline table');
  }

  /** A value word (number, boolean, date, time) at `p`: a date or time is checked. Returns its end. */
  private valueWord(p: number): number {
    const { text } = this;
    const end = wordEnd(text, p);
    const c = text.charCodeAt(p);
    // Only `dddd-…` can be a date and `dd:…` a time: anything else needs no slice.
    if (c >= DIGIT_0 && c <= DIGIT_9 && (text.charCodeAt(p + 4) === DASH || text.charCodeAt(p + 2) === COLON)) {
      const problem = dateTimeProblem(text, p, end);
      if (problem !== undefined) this.flag(p, problem);
    }
    return end;
  }

  /** Records the first problem only: the pass runs in document order, so that is the earliest. */
  private flag(at: number, message: string): void {
    if (this.problemAt >= 0) return;
    this.problemAt = at;
    this.problemMessage = message;
  }

  private skipBlanks(): void {
    const { text } = this;
    while (isBlank(text.charCodeAt(this.pos))) this.pos++;
  }

  /** Returns the offset of the newline ending the comment (or text.length). */
  private skipComment(p: number): number {
    const lf = this.text.indexOf('\n', p);
    if (lf < 0) return this.text.length;
    return this.text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
  }

  private expect(code: number): void {
    if (this.text.charCodeAt(this.pos) !== code) this.fail(this.pos, `expected '${String.fromCharCode(code)}'`);
    this.pos++;
  }

  /** The text is meant to be valid already; failing loudly beats splicing at a wrong offset. */
  private fail(at: number, what: string): never {
    const { line, column } = positionOf(this.text, at);
    throw new PylockAttestError('LOCK_PARSE', `TOML scanner: ${what}`, { line, column });
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** ASCII characters that continue a bare key: everything but what ends one. */
const BARE_KEY_CHAR = new Uint8Array(128).fill(1);
for (const c of [SPACE, TAB, DOT, EQUALS, RBRACKET, LF, CR, HASH, QUOTE, APOS]) BARE_KEY_CHAR[c] = 0;

function wordEnd(text: string, p: number): number {
  let end = p + 1;
  while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
  return end;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let lf = text.indexOf('\n', from); lf >= 0 && lf < to; lf = text.indexOf('\n', lf + 1)) n++;
  return n;
}

function isTriple(text: string, p: number, q: number): boolean {
  return text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q;
}

/** `"..."`: returns the offset past the closing quote. */
function skipBasic(text: string, p: number): number {
  let q = text.indexOf('"', p + 1);
  while (q >= 0 && isEscaped(text, q, p)) q = text.indexOf('"', q + 1);
  return q < 0 ? unterminated(text, p, 'string') : q + 1;
}

/** `"""..."""`: up to two quotes may precede the closing three, as content. */
function skipMultiBasic(text: string, p: number): number {
  let q = text.indexOf('"""', p + 3);
  while (q >= 0 && isEscaped(text, q, p + 2)) q = text.indexOf('"""', q + 1);
  return q < 0 ? unterminated(text, p, 'multi-line string') : extendQuotes(text, q + 3, QUOTE);
}

/**
 * Whether the quote at `q` is escaped. Every backslash starts a two-character
 * escape and no escape ends in a backslash, so a run of backslashes right
 * before the quote escapes it when its length is odd. `floor` is the opening
 * delimiter's last character.
 */
function isEscaped(text: string, q: number, floor: number): boolean {
  let i = q - 1;
  while (i > floor && text.charCodeAt(i) === BACKSLASH) i--;
  return (q - 1 - i) % 2 === 1;
}

function skipLiteral(text: string, p: number): number {
  const close = text.indexOf("'", p + 1);
  if (close < 0) return unterminated(text, p, 'literal string');
  return close + 1;
}

function skipMultiLiteral(text: string, p: number): number {
  const close = text.indexOf("'''", p + 3);
  if (close < 0) return unterminated(text, p, 'multi-line literal string');
  return extendQuotes(text, close + 3, APOS);
}

/** `""""` ends a multi-line string whose content ends in `"`: the extra (at most two) quotes are content. */
function extendQuotes(text: string, p: number, q: number): number {
  if (text.charCodeAt(p) === q) p++;
  if (text.charCodeAt(p) === q) p++;
  return p;
}

function unterminated(text: string, at: number, what: string): never {
  const { line, column } = positionOf(text, at);
  throw new PylockAttestError('LOCK_PARSE', `TOML scanner: unterminated ${what}`, { line, column });
}

const SIMPLE_ESCAPES: Record<string, string> = {
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  e: '\x1b',
  '"': '"',
  '\\': '\\',
};

/** Decode the body of a single-line basic string (only keys are decoded, so this is off the hot path). */
function decodeBasic(text: string, from: number, to: number): string {
  const raw = text.slice(from, to);
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2})|(.))/gs, (_m, u, U, x, ch: string) => {
    const hex = (u ?? U ?? x) as string | undefined;
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return SIMPLE_ESCAPES[ch] ?? ch;
  });
}

/** 1-based line and column of an offset; used for error messages, so a plain loop is fine. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let lf = text.indexOf('\n'); lf >= 0 && lf < offset; lf = text.indexOf('\n', lf + 1)) {
    line++;
    lineStart = lf + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
