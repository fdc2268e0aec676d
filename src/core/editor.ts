/**
 * Writes `attestation-identities` into a pylock.toml the user owns, in place.
 *
 * Locate, then splice: the scanner says where every statement sits, this
 * module decides which byte ranges to replace, and the splices are applied in
 * one pass to the original string. The document is never re-serialized, so
 * quoting, comments, indentation and line endings outside our ranges survive
 * byte for byte. Every result is re-parsed and compared with the original data
 * plus our identities before anyone may write it.
 */
import { parse, TomlDate } from 'smol-toml';
import { PylockAttestError, type ErrorLocation } from '../errors.js';
import { scanToml, type KeyValueStatement, type Statement, type TableStatement } from './scanner.js';
import { renderIdentityInlineArray, renderIdentityTables } from './toml-emit.js';
import type { Identity } from './types.js';

/** The full replacement set for `packages[packageIndex]`; `[]` removes the package's identities. */
export interface IdentityEdit {
  packageIndex: number;
  identities: Identity[];
}

export interface EditResult {
  text: string;
  changed: boolean;
}

/** One `[[packages]]` entry: its header's line, and the span from its header to its last statement. */
export interface PackageLocation {
  index: number;
  line: number;
  start: number;
  end: number;
}

const IDENTITIES = 'attestation-identities';
const PACKAGES_HINT = 'write each package as a [[packages]] table (as uv, pip and the PEP 751 example do), then run again';
const IDENTITIES_HINT = 'write them as [[packages.attestation-identities]] tables or as `attestation-identities = [...]`, or delete them';
const LF = 0x0a;
const CR = 0x0d;

interface Splice {
  start: number;
  end: number;
  text: string;
}

/** A `[[packages.attestation-identities]]` header (or a sub-table under one) and the keys that follow it. */
interface IdentitySegment {
  header: TableStatement;
  last: Statement;
  /** The header, then its keys: the segment's own lines, which a removal takes (comments between them stay). */
  statements: Statement[];
}

interface PackageModel {
  index: number;
  header: TableStatement;
  /** The last statement of the package's own tables: new blocks go right after it. */
  lastOwn: Statement;
  last: Statement;
  /** Indentation of the package's first own sub-table header. */
  subIndent: string | undefined;
  inline: KeyValueStatement | undefined;
  segments: IdentitySegment[];
}

type Section = 'root' | 'other' | 'body' | 'own' | 'tool' | 'identity';

/**
 * Attributes each statement to a `[[packages]]` entry. TOML lets a package's
 * sub-tables reappear after unrelated tables, so attribution follows the
 * last `[[packages]]` header, not adjacency.
 */
class LockLocator {
  readonly packages: PackageModel[] = [];
  /** The first sub-table indentation seen in any package: the file's convention. */
  fileSubIndent: string | undefined;
  /** The first shape we cannot edit safely; reported only when an edit needs writing. */
  refusal: PylockAttestError | undefined;
  private section: Section = 'root';
  private pkg: PackageModel | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {}

  build(statements: readonly Statement[]): this {
    for (const s of statements) {
      if (s.kind === 'keyvalue') this.onKey(s);
      else this.onHeader(s);
    }
    return this;
  }

  private onHeader(h: TableStatement): void {
    if (h.path[0] !== 'packages') {
      this.section = 'other';
    } else if (h.path.length === 1) {
      this.onPackageHeader(h);
    } else if (this.pkg === undefined) {
      this.refuse(h, `[${h.path.join('.')}] appears before any [[packages]] entry`);
    } else {
      this.pkg.last = h;
      this.onPackageSubHeader(this.pkg, h);
    }
  }

  private onPackageHeader(h: TableStatement): void {
    if (h.kind !== 'array-table') {
      this.refuse(h, '`packages` is written as a [packages] table, not as [[packages]] entries');
      return;
    }
    const index = this.packages.length;
    this.pkg = { index, header: h, lastOwn: h, last: h, subIndent: undefined, inline: undefined, segments: [] };
    this.packages.push(this.pkg);
    this.section = 'body';
  }

  private onPackageSubHeader(pkg: PackageModel, h: TableStatement): void {
    const sub = h.path[1];
    if (sub === IDENTITIES) {
      this.onIdentityHeader(pkg, h);
    } else if (sub === 'tool') {
      this.section = 'tool';
    } else {
      this.section = 'own';
      pkg.lastOwn = h;
      const indent = this.text.slice(h.lineStart, h.start);
      pkg.subIndent ??= indent;
      this.fileSubIndent ??= indent;
    }
  }

  private onIdentityHeader(pkg: PackageModel, h: TableStatement): void {
    const isBlock = h.path.length === 2 && h.kind === 'array-table';
    const underBlock = h.path.length > 2 && pkg.segments.length > 0;
    if (!isBlock && !underBlock) {
      this.refuse(h, `[${h.path.join('.')}] does not follow the [[packages.attestation-identities]] form`, IDENTITIES_HINT);
      return;
    }
    pkg.segments.push({ header: h, last: h, statements: [h] });
    this.section = 'identity';
  }

  private onKey(k: KeyValueStatement): void {
    if (this.section === 'root' && k.path[0] === 'packages') {
      this.refuse(k, '`packages` is written inline or with dotted keys');
    }
    const pkg = this.pkg;
    if (pkg === undefined || this.section === 'root' || this.section === 'other') return;
    pkg.last = k;
    if (this.section === 'identity') {
      const segment = pkg.segments.at(-1) as IdentitySegment;
      segment.last = k;
      segment.statements.push(k);
    } else if (this.section !== 'tool') {
      pkg.lastOwn = k;
      if (this.section === 'body' && k.path[0] === IDENTITIES) this.onInlineIdentities(pkg, k);
    }
  }

  private onInlineIdentities(pkg: PackageModel, k: KeyValueStatement): void {
    if (k.path.length !== 1) {
      this.refuse(k, '`attestation-identities` is written with dotted keys', IDENTITIES_HINT);
      return;
    }
    pkg.inline = k;
  }

  private refuse(s: Statement, message: string, hint = PACKAGES_HINT): void {
    this.refusal ??= new PylockAttestError('LOCK_SHAPE', message, { file: this.file, line: s.line, column: s.column, hint });
  }
}

/** Where each `[[packages]]` entry is. Best effort: entries written inline are not listed. */
export function locatePackages(text: string): PackageLocation[] {
  const { packages } = new LockLocator(text, undefined).build(scanToml(text));
  return packages.map((p) => ({ index: p.index, line: p.header.line, start: p.header.start, end: p.last.next }));
}

/**
 * Apply identity edits to `text` (no BOM). `original` is smol-toml's `parse(text)`
 * with default options. Edits whose identities are already recorded (same set,
 * any order) make no change at all. Throws LOCK_SHAPE for shapes we cannot edit
 * safely (only when something needs writing), EDIT_MISMATCH if the result would
 * not read back as intended, and RangeError for caller bugs: an edit for a
 * missing package, two edits for one, or a value TOML cannot carry (NaN, ±Infinity,
 * a lone surrogate).
 */
export function applyIdentityEdits(
  text: string,
  original: Record<string, unknown>,
  edits: readonly IdentityEdit[],
  file?: string,
): EditResult {
  const recorded = recordedPackages(original, edits);
  const pending = edits.filter((e) => !sameIdentitySet(identitiesOf(recorded[e.packageIndex]), e.identities));
  if (pending.length === 0) return { text, changed: false };

  const locator = new LockLocator(text, file).build(scanToml(text));
  checkShape(locator, recorded, file);
  const splices = pending.flatMap((e) => {
    const pkg = locator.packages[e.packageIndex] as PackageModel;
    checkLocated(pkg, recorded[e.packageIndex], file);
    return planEdit(text, locator, pkg, e.identities);
  });
  const out = applySplices(text, splices, file);
  verifyEdit(out, original, new Map(pending.map((e) => [e.packageIndex, e.identities])), file);
  return { text: out, changed: out !== text };
}

/** The `packages` array, after checking the edits refer to it sensibly (a bad edit is a caller bug). */
function recordedPackages(original: Record<string, unknown>, edits: readonly IdentityEdit[]): unknown[] {
  const packages = Array.isArray(original.packages) ? (original.packages as unknown[]) : [];
  const seen = new Set<number>();
  for (const { packageIndex: i } of edits) {
    if (!Number.isInteger(i) || i < 0 || i >= packages.length) throw new RangeError(`no package at index ${i}`);
    if (seen.has(i)) throw new RangeError(`two edits for package ${i}`);
    seen.add(i);
  }
  return packages;
}

function identitiesOf(pkg: unknown): unknown {
  return isTable(pkg) ? pkg[IDENTITIES] : undefined;
}

function checkShape(locator: LockLocator, recorded: readonly unknown[], file: string | undefined): void {
  if (locator.refusal !== undefined) throw locator.refusal;
  if (locator.packages.length !== recorded.length) {
    throw new PylockAttestError(
      'LOCK_SHAPE',
      `found ${locator.packages.length} [[packages]] headers for ${recorded.length} packages`,
      { file, hint: PACKAGES_HINT },
    );
  }
}

function checkLocated(pkg: PackageModel, recorded: unknown, file: string | undefined): void {
  const located = pkg.inline !== undefined || pkg.segments.length > 0;
  if (located === (identitiesOf(recorded) !== undefined)) return;
  const name = isTable(recorded) && typeof recorded.name === 'string' ? recorded.name : undefined;
  throw new PylockAttestError('LOCK_SHAPE', 'cannot locate where this package records attestation-identities', {
    file,
    line: pkg.header.line,
    column: pkg.header.column,
    package: name,
    hint: IDENTITIES_HINT,
  });
}

function planEdit(text: string, locator: LockLocator, pkg: PackageModel, ids: Identity[]): Splice[] {
  if (pkg.inline !== undefined) return [planInline(text, pkg.inline, ids)];
  if (pkg.segments.length > 0) return planSegments(text, pkg.segments, ids);
  return [planInsert(text, locator, pkg, ids)];
}

/** New blocks go after the package's own keys and sub-tables, before [packages.tool] and the next header. */
function planInsert(text: string, locator: LockLocator, pkg: PackageModel, ids: Identity[]): Splice {
  const anchor = pkg.lastOwn;
  const eol = eolNear(text, anchor);
  const indent = pkg.subIndent ?? locator.fileSubIndent ?? '';
  // The anchor may be the file's last line, without a newline of its own.
  const lead = anchor.next === anchor.lineEnd ? eol : '';
  return { start: anchor.next, end: anchor.next, text: lead + eol + renderIdentityTables(ids, { eol, indent }) };
}

/**
 * Existing blocks: the new set takes the first one's place; the others go.
 * Only the blocks' own lines go (headers, keys, sub-tables, each whole line
 * with its trailing comment) and the one blank line right above each header,
 * the separator an insertion writes. Every comment and other blank line the
 * user wrote stays where it is, above, between or after the blocks.
 */
function planSegments(text: string, segments: readonly IdentitySegment[], ids: Identity[]): Splice[] {
  const [first] = segments as [IdentitySegment, ...IdentitySegment[]];
  const splices: Splice[] = [];
  for (const segment of segments) {
    const blank = blankLineAbove(text, segment.header.lineStart);
    // A replacement keeps the first block's place, separator included.
    if (blank !== undefined && !(ids.length > 0 && segment === first)) splices.push({ start: blank, end: segment.header.lineStart, text: '' });
    for (const st of segment.statements) splices.push({ start: st.lineStart, end: st.next, text: '' });
  }
  if (ids.length > 0) {
    const { header } = first;
    const replaced = splices.find((sp) => sp.start === header.lineStart) as Splice;
    replaced.text = renderIdentityTables(ids, { eol: eolNear(text, header), indent: text.slice(header.lineStart, header.start) });
  }
  return splices;
}

/** The start of the line right above `lineStart` when that line is blank (spaces and tabs only). */
function blankLineAbove(text: string, lineStart: number): number | undefined {
  if (lineStart === 0) return undefined;
  const prevStart = text.lastIndexOf('\n', lineStart - 2) + 1;
  return /^[ \t]*\r?\n$/.test(text.slice(prevStart, lineStart)) ? prevStart : undefined;
}

/** `attestation-identities = [...]`: keep the inline form (and its one-per-line layout, if it had one). */
function planInline(text: string, stmt: KeyValueStatement, ids: Identity[]): Splice {
  if (ids.length === 0) return { start: stmt.lineStart, end: stmt.next, text: '' };
  const lf = text.indexOf('\n', stmt.valueStart);
  const multiline = lf >= 0 && lf < stmt.end;
  const eol = eolNear(text, stmt);
  const indent = text.slice(stmt.lineStart, stmt.start);
  return { start: stmt.valueStart, end: stmt.end, text: renderIdentityInlineArray(ids, { eol, indent, multiline }) };
}

/**
 * The line ending to write next to `s`: the one ending its line or, on a
 * last line without one, the one ending the line before. Mixed files stay
 * mixed: each region keeps its own.
 */
function eolNear(text: string, s: Statement): string {
  const at = text.charCodeAt(s.lineEnd) === LF || text.charCodeAt(s.lineEnd) === CR ? s.lineEnd : s.lineStart - 1;
  if (at < 0) return '\n';
  return text.charCodeAt(at) === CR || text.charCodeAt(at - 1) === CR ? '\r\n' : '\n';
}

function applySplices(text: string, splices: Splice[], file: string | undefined): string {
  splices.sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: string[] = [];
  let at = 0;
  for (const s of splices) {
    if (s.start < at) throw new PylockAttestError('EDIT_MISMATCH', 'internal error: overlapping edits', { file });
    parts.push(text.slice(at, s.start), s.text);
    at = s.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** The bug guard: the result must read back as the original data with exactly our identities changed. */
function verifyEdit(out: string, original: Record<string, unknown>, applied: Map<number, Identity[]>, file?: string): void {
  let reparsed: Record<string, unknown>;
  try {
    reparsed = parse(out);
  } catch (cause) {
    throw mismatch(file, 'the edited lockfile would not parse', cause);
  }
  if (!sameDocument(original, reparsed, applied)) throw mismatch(file, 'the edited lockfile would not read back as intended');
}

function mismatch(file: string | undefined, message: string, cause?: unknown): PylockAttestError {
  const location: ErrorLocation = {
    file,
    hint: 'the file was left untouched; please report this as a bug in pylock-attest, with the lockfile if you can',
  };
  return new PylockAttestError('EDIT_MISMATCH', message, location, { cause });
}

function sameDocument(original: Record<string, unknown>, reparsed: Record<string, unknown>, applied: Map<number, Identity[]>): boolean {
  const { packages, ...rest } = original;
  const { packages: got, ...gotRest } = reparsed;
  if (!Array.isArray(packages)) return sameValue(original, reparsed);
  return sameValue(rest, gotRest) && samePackages(packages, got, applied);
}

function samePackages(original: unknown[], reparsed: unknown, applied: Map<number, Identity[]>): boolean {
  if (!Array.isArray(reparsed) || reparsed.length !== original.length) return false;
  for (let i = 0; i < original.length; i++) {
    const ids = applied.get(i);
    if (ids === undefined ? !sameValue(original[i], reparsed[i]) : !sameEditedPackage(original[i], reparsed[i], ids)) return false;
  }
  return true;
}

function sameEditedPackage(pkg: unknown, got: unknown, ids: Identity[]): boolean {
  if (!isTable(pkg) || !isTable(got)) return false;
  const expected: Record<string, unknown> = { ...pkg };
  delete expected[IDENTITIES];
  if (ids.length > 0) expected[IDENTITIES] = ids;
  return sameValue(expected, got);
}

/**
 * Structural equality of parsed TOML, as plain loops: it walks the whole
 * document on every edit, so it must stay well under the cost of a parse.
 *
 * Dates compare by instant and by kind (offset date-time, local date-time,
 * local date, local time): what smol-toml's text form (toISOString) encodes,
 * except how an offset is spelled (`Z` or `+00:00` for the same instant).
 * Producing that text costs about half a parse on a lockfile full of
 * upload-times, and no splice can respell an offset: splices start and end at
 * line boundaries or replace a whole identities value, and we never write dates.
 */
function sameValue(a: unknown, b: unknown): boolean {
  // -0 and 0 are different TOML text; NaN reads back as NaN.
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

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Same identities, whatever the key order and block order: then we leave the user's formatting alone. */
function sameIdentitySet(recorded: unknown, next: readonly Identity[]): boolean {
  if (recorded === undefined) return next.length === 0;
  if (!Array.isArray(recorded) || recorded.length !== next.length) return false;
  const a = recorded.map(canonical).sort();
  const b = next.map(canonical).sort();
  return a.every((v, i) => v === b[i]);
}

/** A type-tagged, key-sorted text form, so `1` never equals `"1"` and key order never matters. */
function canonical(v: unknown): string {
  if (v instanceof Date) return `date:${v.toISOString()}`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isTable(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  if (typeof v === 'number') return Object.is(v, -0) ? 'num:-0' : `num:${v}`;
  return typeof v === 'string' ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
}
