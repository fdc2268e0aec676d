/**
 * pip's requirements file format, as far as `lock` needs it: resolved pins
 * (`name[extras]==version ; marker --hash=sha256:…`), comments, backslash
 * continuations, `-r`/`-c` includes and index options. Pure: one file's text
 * in, its entries out; the io layer follows the includes.
 *
 * Lines are joined, comments stripped and `${VAR}`s expanded exactly as pip
 * does (pip/_internal/req/req_file.py), so a file means here what it means to
 * pip. Anything that is not an exact pin from an index is refused with its
 * file:line: `lock` records what was resolved, it does not resolve.
 *
 * Why not pip-requirements-js: it rejects `--hash`, backslash continuations,
 * CRLF files and the index options (docs/decisions.md).
 */
import { valid as validVersion } from '@renovatebot/pep440';
import { PylockAttestError } from '../errors.js';
import { normalizeMarker } from './markers.js';
import { normalizeProjectName } from './names.js';

/** Where something was written: a requirements file, 1-based line and column. */
export interface SourcePosition {
  file: string;
  line: number;
  column?: number;
}

export interface RequirementHash {
  /** Lower-case hex. */
  sha256: string;
  at: SourcePosition;
}

/** `name[extras]==version ; marker --hash=…`: one resolved requirement. */
export interface Pin {
  name: string;
  /** PEP 503-normalized. */
  project: string;
  extras: string[];
  /** As written after `==`. */
  version: string;
  /** Normal form (markers.ts), or undefined. */
  marker: string | undefined;
  hashes: RequirementHash[];
  at: SourcePosition;
}

/** A line of a constraints file: it narrows versions, it adds no package. */
export interface Constraint {
  project: string;
  /** The specifier set as written, e.g. `>=1.0,<2`. */
  specifier: string;
  marker: string | undefined;
  at: SourcePosition;
}

export type RequirementsEntry =
  | { kind: 'pin'; pin: Pin }
  | { kind: 'constraint'; constraint: Constraint }
  | { kind: 'include'; path: string; constraint: boolean; at: SourcePosition }
  | { kind: 'index-url'; url: string; at: SourcePosition }
  | { kind: 'extra-index-url'; url: string; at: SourcePosition }
  | { kind: 'require-hashes'; at: SourcePosition };

export interface LockWarning {
  at: SourcePosition;
  message: string;
}

export interface ParsedRequirements {
  entries: RequirementsEntry[];
  warnings: LockWarning[];
}

export interface ParseOptions {
  /** This is a constraints file (`-c`): its requirement lines are constraints. */
  constraints: boolean;
  /** `${VAR}` values, as pip expands them; without it nothing is expanded. */
  env?: (name: string) => string | undefined;
}

const NOT_RESOLVED = 'this is not resolved: pin it or lock with a resolver';
const RESOLVE_HINT = 'lock the output of `pip-compile --generate-hashes` or `uv pip compile --generate-hashes`, where every line is name==version';

/** pip's COMMENT_RE: `#` at the start or after whitespace begins a comment. */
const COMMENT = /(^|\s+)#.*$/;
/** pip's ENV_VAR_RE: POSIX-style names only, `${NAME}`. */
const ENV_VAR = /\$\{([A-Z0-9_]+)\}/g;
const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;
const SHA256 = /^[0-9a-fA-F]{64}$/;

/** A line after joining continuations: its text and where each physical piece of it began. */
interface LogicalLine {
  text: string;
  line: number;
  pieces: Array<{ offset: number; line: number }>;
}

/** `text` as io/text-file.ts decodes it (UTF-8, no byte order mark). */
export function parseRequirements(text: string, file: string, options: ParseOptions): ParsedRequirements {
  const out: ParsedRequirements = { entries: [], warnings: [] };
  for (const logical of joinLines(text)) {
    const line = new LineParser(logical, file, options, out);
    line.parse();
  }
  return out;
}

/** pip's join_lines: a trailing `\` continues the line, unless the line is a comment. */
function joinLines(text: string): LogicalLine[] {
  const physical = text.split(/\r\n|\r|\n/);
  const lines: LogicalLine[] = [];
  let pending: LogicalLine | undefined;
  physical.forEach((raw, i) => {
    const isComment = /^\s*#/.test(raw);
    const continues = raw.endsWith('\\') && !isComment;
    // pip prefixes a comment line that ends a continuation with a space, so it stays a comment.
    const piece = continues ? raw.slice(0, -1) : isComment && pending ? ` ${raw}` : raw;
    pending ??= { text: '', line: i + 1, pieces: [] };
    pending.pieces.push({ offset: pending.text.length, line: i + 1 });
    pending.text += piece;
    if (!continues) {
      lines.push(pending);
      pending = undefined;
    }
  });
  if (pending) lines.push(pending);
  return lines;
}

/** One logical line: an option line or a requirement line. */
class LineParser {
  private text: string;
  /** Offsets no longer map to columns once `${VAR}`s change the length. */
  private expanded = false;

  constructor(
    private readonly logical: LogicalLine,
    private readonly file: string,
    private readonly options: ParseOptions,
    private readonly out: ParsedRequirements,
  ) {
    this.text = logical.text.replace(COMMENT, '');
    if (options.env) {
      const env = options.env;
      const before = this.text;
      this.text = this.text.replace(ENV_VAR, (whole, name: string) => env(name) ?? whole);
      this.expanded = this.text !== before;
    }
  }

  parse(): void {
    const start = this.text.search(/\S/);
    if (start < 0) return;
    if (this.text[start] === '-') this.parseOptions(start, 'global');
    else this.parseRequirement(start);
  }

  /** pip's break_args_options: the requirement ends at the first space-separated word starting with `-`. */
  private parseRequirement(start: number): void {
    const words = this.text.split(' ');
    let offset = 0;
    let optionsAt = -1;
    for (const w of words) {
      if (w.startsWith('-') && offset >= start) {
        optionsAt = offset;
        break;
      }
      offset += w.length + 1;
    }
    const args = (optionsAt < 0 ? this.text : this.text.slice(0, optionsAt)).trimEnd();
    // pip splits options off at spaces only: after a tab, `--hash=…` reads as part of the version.
    const tab = /\t[ \t]*-/.exec(args);
    if (tab !== null) {
      this.fail(
        tab.index,
        'a tab separates the requirement from the option after it; pip splits options off at spaces only, so it would read the option as part of the requirement',
        'put a space (not a tab) before --hash and the other options',
      );
    }
    const requirement = this.requirement(args, start);
    const hashes: RequirementHash[] = [];
    if (optionsAt >= 0) this.parseOptions(optionsAt, 'requirement', hashes);
    if (this.options.constraints) {
      if (hashes.length > 0) this.warn(start, 'hashes in a constraints file are not used: put them on the requirement');
      this.out.entries.push({ kind: 'constraint', constraint: requirement.constraint() });
    } else {
      this.out.entries.push({ kind: 'pin', pin: requirement.pin(hashes) });
    }
  }

  private requirement(args: string, start: number): RequirementText {
    const semicolon = args.indexOf(';');
    const spec = (semicolon < 0 ? args : args.slice(0, semicolon)).trim();
    if (looksLikeUrlOrPath(spec)) this.fail(start, `\`${spec}\` is a URL or path, not a pin from an index: ${NOT_RESOLVED}`, RESOLVE_HINT);
    const name = NAME.exec(spec)?.[1];
    if (name === undefined) this.fail(start, `cannot read a requirement in \`${args.trim()}\``, 'write name==version, as pip does');
    let rest = spec.slice(name.length).trimStart();
    let extras: string[] = [];
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) this.fail(start, `the extras of ${name} are not closed with \`]\``);
      extras = this.extras(rest.slice(1, close), start, name);
      rest = rest.slice(close + 1).trim();
    }
    const marker = semicolon < 0 ? undefined : this.marker(args.slice(semicolon + 1), start + semicolon + 1);
    return new RequirementText(this, name, extras, rest, marker, start);
  }

  private extras(list: string, start: number, name: string): string[] {
    const extras = list
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    for (const e of extras) if (NAME.exec(e)?.[1] !== e) this.fail(start, `\`${e}\` is not a valid extra of ${name}`);
    return extras;
  }

  private marker(text: string, offset: number): string {
    const lead = text.length - text.trimStart().length;
    const result = normalizeMarker(text.trim());
    if (!result.ok) this.fail(offset + lead + result.offset, `invalid environment marker: ${result.reason}`, 'see PEP 508 for the marker syntax');
    return result.marker;
  }

  /** Options on an option line (`global`) or after a requirement (`requirement`). */
  private parseOptions(from: number, where: 'global' | 'requirement', hashes: RequirementHash[] = []): void {
    const words = splitWords(this.text, from);
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      const { name, inline } = splitOption(word.text);
      const spec = where === 'global' ? GLOBAL_OPTIONS[name] : REQUIREMENT_OPTIONS[name];
      if (spec === undefined) this.unknownOption(word, name, where);
      let value: string | undefined;
      if (spec.value) {
        value = inline ?? words[++i]?.text;
        if (value === undefined || value === '') this.fail(word.at, `\`${name}\` needs a value`);
      } else if (inline !== undefined) {
        this.fail(word.at, `\`${name}\` takes no value`);
      }
      this.applyOption(spec.action, name, value ?? '', word.at, hashes);
    }
  }

  private unknownOption(word: Word, name: string, where: 'global' | 'requirement'): never {
    if (where === 'global' && REQUIREMENT_OPTIONS[name] !== undefined) this.fail(word.at, `\`${name}\` must follow a requirement on the same (continued) line`);
    if (where === 'requirement' && GLOBAL_OPTIONS[name] !== undefined) this.fail(word.at, `\`${name}\` must be on a line of its own`);
    this.fail(
      word.at,
      `unknown option \`${name}\``,
      'lock reads requirements files as pip does: -r, -c, --index-url, --extra-index-url, --hash and the options pip allows there',
    );
  }

  private applyOption(action: OptionAction, name: string, value: string, at: number, hashes: RequirementHash[]): void {
    const pos = this.position(at);
    switch (action) {
      case 'requirement':
      case 'constraint':
        this.out.entries.push({ kind: 'include', path: value, constraint: action === 'constraint' || this.options.constraints, at: pos });
        return;
      case 'index-url':
      case 'extra-index-url':
        this.out.entries.push({ kind: action, url: value, at: pos });
        return;
      case 'require-hashes':
        this.out.entries.push({ kind: 'require-hashes', at: pos });
        return;
      case 'hash':
        hashes.push(this.hash(value, at));
        return;
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: fail() throws (it returns never)
      case 'refuse':
        this.fail(at, `\`${name}\` does not name a file on an index: ${NOT_RESOLVED}`, RESOLVE_HINT);
      case 'warn':
        this.warn(at, `\`${name}\` is ignored: the files recorded are the ones --hash lists, or every file of the pinned version`);
        return;
      case 'ignore':
        return;
    }
  }

  private hash(value: string, at: number): RequirementHash {
    const colon = value.indexOf(':');
    const algorithm = colon < 0 ? '' : value.slice(0, colon).toLowerCase();
    const digest = value.slice(colon + 1);
    if (algorithm !== 'sha256') {
      this.fail(
        at,
        `\`--hash=${value}\`: only sha256 hashes can be matched with the index (and PEP 751 records sha256)`,
        'regenerate the hashes with pip-compile --generate-hashes or uv pip compile --generate-hashes',
      );
    }
    if (!SHA256.test(digest)) this.fail(at, `\`--hash=${value}\` is not a sha256 digest (64 hex digits)`);
    return { sha256: digest.toLowerCase(), at: this.position(at) };
  }

  warn(offset: number, message: string): void {
    this.out.warnings.push({ at: this.position(offset), message });
  }

  fail(offset: number, message: string, hint?: string): never {
    const at = this.position(offset);
    throw new PylockAttestError('REQUIREMENTS', message, { file: at.file, line: at.line, column: at.column, hint });
  }

  /** The physical line and column of an offset into the logical line. */
  position(offset: number): SourcePosition {
    if (this.expanded) return { file: this.file, line: this.logical.line };
    let piece = this.logical.pieces[0]!;
    for (const p of this.logical.pieces) if (p.offset <= offset) piece = p;
    return { file: this.file, line: piece.line, column: offset - piece.offset + 1 };
  }
}

/** A requirement's name, extras and specifier, turned into a pin or a constraint. */
class RequirementText {
  constructor(
    private readonly line: LineParser,
    readonly name: string,
    readonly extras: string[],
    readonly spec: string,
    readonly marker: string | undefined,
    readonly start: number,
  ) {}

  pin(hashes: RequirementHash[]): Pin {
    const clauses = this.clauses();
    const only = clauses.length === 1 ? clauses[0]! : undefined;
    const shown = `${this.name}${this.spec === '' ? '' : this.spec}`;
    if (only === undefined || only.op !== '==' || only.version.endsWith('.*')) {
      if (only?.op === '===') this.line.fail(this.start, `\`${shown}\`: arbitrary equality (===) is not supported`, 'pin with == and a PEP 440 version');
      this.line.fail(this.start, `\`${shown}\`: ${NOT_RESOLVED}`, RESOLVE_HINT);
    }
    const project = normalizeProjectName(this.name);
    const at = this.line.position(this.start);
    return { name: this.name, project, extras: this.extras, version: only.version, marker: this.marker, hashes, at };
  }

  constraint(): Constraint {
    const clauses = this.clauses();
    return {
      project: normalizeProjectName(this.name),
      specifier: clauses.map((c) => `${c.op}${c.version}`).join(','),
      marker: this.marker,
      at: this.line.position(this.start),
    };
  }

  /** `==1.0`, `(>=1, <2)`: each clause's operator and a valid PEP 440 version. */
  private clauses(): Array<{ op: string; version: string }> {
    let spec = this.spec;
    if (spec.startsWith('(') && spec.endsWith(')')) spec = spec.slice(1, -1);
    if (spec.trim() === '') return [];
    return spec.split(',').map((clause) => {
      const m = /^\s*(===|==|!=|<=|>=|~=|<|>)\s*([^\s,;]+)\s*$/.exec(clause);
      if (m === null) this.line.fail(this.start, `cannot read the version specifier \`${clause.trim()}\` of ${this.name}`, 'write name==version');
      const [, op, version] = m as unknown as [string, string, string];
      const plain = version.endsWith('.*') && (op === '==' || op === '!=') ? version.slice(0, -2) : version;
      if (op !== '===' && validVersion(plain) === null) this.line.fail(this.start, `\`${version}\` is not a PEP 440 version (in ${this.name}${this.spec})`);
      return { op, version };
    });
  }
}

function looksLikeUrlOrPath(spec: string): boolean {
  return (
    spec.includes('@') ||
    /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(spec) ||
    /[\\/]/.test(spec) ||
    spec.startsWith('.') ||
    /\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar)$/i.test(spec)
  );
}

type OptionAction = 'requirement' | 'constraint' | 'index-url' | 'extra-index-url' | 'require-hashes' | 'hash' | 'refuse' | 'warn' | 'ignore';

interface OptionSpec {
  value: boolean;
  action: OptionAction;
}

/**
 * The options pip allows on a line of their own, and what `lock` does with
 * each. Options that only steer pip's resolver or build (`--pre`,
 * `--prefer-binary`, `--trusted-host`: we never allow plain http anyway) are
 * ignored; ones that change which files install are named in a warning;
 * sources that are not an index are refused.
 */
const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  '-r': { value: true, action: 'requirement' },
  '--requirement': { value: true, action: 'requirement' },
  '-c': { value: true, action: 'constraint' },
  '--constraint': { value: true, action: 'constraint' },
  '-i': { value: true, action: 'index-url' },
  '--index-url': { value: true, action: 'index-url' },
  '--extra-index-url': { value: true, action: 'extra-index-url' },
  '--require-hashes': { value: false, action: 'require-hashes' },
  '-e': { value: true, action: 'refuse' },
  '--editable': { value: true, action: 'refuse' },
  '-f': { value: true, action: 'refuse' },
  '--find-links': { value: true, action: 'refuse' },
  '--no-index': { value: false, action: 'refuse' },
  '--only-binary': { value: true, action: 'warn' },
  '--no-binary': { value: true, action: 'warn' },
  '--pre': { value: false, action: 'ignore' },
  '--prefer-binary': { value: false, action: 'ignore' },
  '--trusted-host': { value: true, action: 'ignore' },
  '--use-feature': { value: true, action: 'ignore' },
};

const REQUIREMENT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  '--hash': { value: true, action: 'hash' },
  '--global-option': { value: true, action: 'warn' },
  '--config-settings': { value: true, action: 'warn' },
};

interface Word {
  text: string;
  at: number;
}

/** Whitespace-separated words from `from`, with shell-style quotes removed (pip uses shlex here). */
function splitWords(text: string, from: number): Word[] {
  const words: Word[] = [];
  const re = /(?:[^\s'"]+|'[^']*'|"[^"]*")+/g;
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    words.push({ text: m[0].replace(/'([^']*)'|"([^"]*)"/g, (_, a: string | undefined, b: string | undefined) => a ?? b ?? ''), at: m.index });
  }
  return words;
}

/** `--name=value`, `--name`, `-rfile`, `-r`. */
function splitOption(word: string): { name: string; inline: string | undefined } {
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    return eq < 0 ? { name: word, inline: undefined } : { name: word.slice(0, eq), inline: word.slice(eq + 1) };
  }
  return word.length > 2 ? { name: word.slice(0, 2), inline: word.slice(2).replace(/^=/, '') } : { name: word, inline: undefined };
}
