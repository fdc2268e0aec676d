/**
 * PEP 508 environment markers: validated and written in one normal form, so
 * the same condition always reaches the lockfile as the same text (and two
 * pins can be compared by marker). We never evaluate a marker: an installer
 * does that. An invalid marker is refused here rather than written into a
 * lockfile that every installer would then reject.
 */

/** PEP 508's variables, plus PEP 751's `extras` and `dependency_groups`. */
const VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
  'extras',
  'dependency_groups',
]);

/** Old spellings `packaging` still accepts, written in their PEP 508 form. */
const ALIASES: Readonly<Record<string, string>> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};

const COMPARISONS = ['===', '==', '!=', '<=', '>=', '~=', '<', '>'];

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'paren'; text: '(' | ')'; at: number };

export type MarkerResult = { ok: true; marker: string } | { ok: false; reason: string; offset: number };

/** Validate a marker and return its normal form: single spaces, single quotes where possible, aliases resolved. */
export function normalizeMarker(text: string): MarkerResult {
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return tokens;
  if (tokens.length === 0) return { ok: false, reason: 'the marker after `;` is empty', offset: 0 };
  const parser = new MarkerParser(tokens, text.length);
  try {
    const marker = parser.parseOr();
    parser.expectEnd();
    return { ok: true, marker };
  } catch (e) {
    if (e instanceof MarkerSyntax) return { ok: false, reason: e.message, offset: e.offset };
    throw e;
  }
}

class MarkerSyntax extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function tokenize(text: string): Token[] | { ok: false; reason: string; offset: number } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: 'paren', text: ch, at: i++ });
    } else if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return { ok: false, reason: 'a quoted string in the marker is not closed', offset: i };
      tokens.push({ kind: 'string', text: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      const op = COMPARISONS.find((c) => text.startsWith(c, i));
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))?.[0];
      if (op !== undefined) tokens.push({ kind: 'op', text: op, at: i });
      else if (word !== undefined) tokens.push({ kind: 'word', text: word, at: i });
      else return { ok: false, reason: `unexpected ${JSON.stringify(ch)} in the marker`, offset: i };
      i += (op ?? word)!.length;
    }
  }
  return tokens;
}

class MarkerParser {
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  parseOr(): string {
    const parts = [this.parseAnd()];
    while (this.peekWord('or')) {
      this.pos++;
      parts.push(this.parseAnd());
    }
    return parts.join(' or ');
  }

  expectEnd(): void {
    const t = this.tokens[this.pos];
    if (t !== undefined) throw new MarkerSyntax(`unexpected ${JSON.stringify(t.text)} in the marker`, t.at);
  }

  private parseAnd(): string {
    const parts = [this.parseExpr()];
    while (this.peekWord('and')) {
      this.pos++;
      parts.push(this.parseExpr());
    }
    return parts.join(' and ');
  }

  private parseExpr(): string {
    const t = this.next('a comparison or `(`');
    if (t.kind === 'paren' && t.text === '(') {
      const inner = this.parseOr();
      const close = this.next('`)`');
      if (close.kind !== 'paren' || close.text !== ')') throw new MarkerSyntax('expected `)` in the marker', close.at);
      return `(${inner})`;
    }
    const left = this.value(t);
    const op = this.operator();
    const right = this.value(this.next('a variable or a quoted string'));
    return `${left} ${op} ${right}`;
  }

  private operator(): string {
    const t = this.next('a comparison operator');
    if (t.kind === 'op') return t.text;
    if (t.kind === 'word' && t.text === 'in') return 'in';
    if (t.kind === 'word' && t.text === 'not' && this.peekWord('in')) {
      this.pos++;
      return 'not in';
    }
    throw new MarkerSyntax(`expected a comparison operator, found ${JSON.stringify(t.text)}`, t.at);
  }

  private value(t: Token): string {
    if (t.kind === 'string') return quote(t.text);
    if (t.kind === 'word') {
      const name = ALIASES[t.text] ?? t.text;
      if (VARIABLES.has(name)) return name;
      throw new MarkerSyntax(`unknown marker variable ${JSON.stringify(t.text)}`, t.at);
    }
    throw new MarkerSyntax(`expected a variable or a quoted string, found ${JSON.stringify(t.text)}`, t.at);
  }

  private next(what: string): Token {
    const t = this.tokens[this.pos++];
    if (t === undefined) throw new MarkerSyntax(`the marker ends where ${what} was expected`, this.length);
    return t;
  }

  private peekWord(word: string): boolean {
    const t = this.tokens[this.pos];
    return t?.kind === 'word' && t.text === word;
  }
}

/** Single quotes keep the TOML value free of escaped `"`; a string holding `'` takes double quotes. */
function quote(s: string): string {
  return s.includes("'") ? `"${s}"` : `'${s}'`;
}
