/**
 * Writes `attestation-identities` into a pylock.toml the user owns, in place.
 *
 * Locate, then splice: the scanner's one pass (core/lock-layout.ts) says
 * where every package sits, this module decides which byte ranges to
 * replace, and the splices are applied in one pass to the original string.
 * The document is never re-serialized, so quoting, comments, indentation and
 * line endings outside our ranges survive byte for byte.
 *
 * Every result is checked before anyone may write it: it must read as the
 * original data with exactly our identities changed. Per package when each
 * edited package's text reads on its own as that package (the usual shape:
 * only the edited packages are parsed again, docs/decisions.md argues why
 * that is the same check); else on the whole document, parsed again.
 */
import { parse, TomlError } from 'smol-toml';
import { PylockAttestError, type ErrorLocation } from '../errors.js';
import {
  checkPackageCount,
  IDENTITIES,
  IDENTITIES_HINT,
  scanLock,
  type IdentitySegment,
  type LockDocument,
  type LockLayout,
  type PackageLayout,
} from './lock-layout.js';
import type { Statement, KeyValueStatement } from './scanner.js';
import { renderIdentityInlineArray, renderIdentityTables } from './toml-emit.js';
import { fingerprint, isTable, sameMultiset, sameValue } from './toml-equality.js';
import type { Identity } from './types.js';
import { parseToml } from './lockfile.js';

/** The full replacement set for `packages[position]`; `[]` removes the package's identities. */
export interface IdentityEdit {
  position: number;
  identities: Identity[];
}

export interface EditResult {
  text: string;
  changed: boolean;
}

/** One package's text, `text[start, end)`, replaced by `replacement`, with these identities in place of its recorded ones. */
export interface SpanEdit {
  start: number;
  end: number;
  replacement: string;
  identities: readonly Identity[];
}

const LF = 0x0a;
const CR = 0x0d;

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * Apply identity edits to a lockfile's text (no BOM): the document parseLock
 * read, or text to scan here. Edits whose identities are already recorded
 * (same set, any order) make no change at all. Throws LOCK_SHAPE for shapes
 * we cannot edit safely (only when something needs writing), EDIT_MISMATCH
 * if the result would not read back as intended, and RangeError for caller
 * bugs: an edit for a missing package, two edits for one, or a value TOML
 * cannot carry (NaN, ±Infinity, a lone surrogate).
 */
export function applyIdentityEdits(doc: LockDocument | string, edits: readonly IdentityEdit[], file?: string): EditResult {
  const document = typeof doc === 'string' ? documentOf(doc, file) : doc;
  if (edits.length === 0) return { text: document.text, changed: false };
  if (document.layout.refusal === undefined) {
    checkEdits(edits, document.layout.packages.length);
    const bySpans = editBySpans(document, edits, file);
    if (bySpans !== undefined) return bySpans;
  }
  return editWhole(document, edits, file);
}

/** Text given as a string: scanned here, and its package count checked against smol-toml's as parseLock does. */
function documentOf(text: string, file: string | undefined): LockDocument {
  const { layout } = scanLock(text, file);
  const packages = packagesOf(parseToml(text, file));
  checkPackageCount(layout, packages.length, file);
  return { text, layout, fingerprints: packages.map(fingerprint) };
}

function packagesOf(data: Record<string, unknown>): unknown[] {
  return Array.isArray(data['packages']) ? (data['packages'] as unknown[]) : [];
}

/** Edits must name packages that exist, once each: anything else is a bug in the caller. */
function checkEdits(edits: readonly IdentityEdit[], count: number): void {
  const seen = new Set<number>();
  for (const { position: i } of edits) {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`no package at position ${i}`);
    if (seen.has(i)) throw new RangeError(`two edits for package ${i}`);
    seen.add(i);
  }
}

/**
 * The usual path: each edited package is read again from its own text, its
 * new text is built from the splices inside it and checked against it at
 * once (checkSpan), so one package's data is alive at a time. Undefined when
 * some edited package's text does not read on its own as exactly that
 * package, as the whole document read it (its fingerprint): then the whole
 * document.
 */
function editBySpans(document: LockDocument, edits: readonly IdentityEdit[], file: string | undefined): EditResult | undefined {
  const { text, layout } = document;
  const parts: string[] = [];
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.position - b.position)) {
    const pkg = layout.packages[edit.position] as PackageLayout;
    const start = pkg.header.lineStart;
    const end = pkg.last.next;
    const original = readPackageText(text.slice(start, end));
    // The span must be the whole package as the document reads it: else the whole-document check decides.
    if (original === undefined || fingerprint(original) !== document.fingerprints?.[edit.position]) return undefined;
    if (recordsExactly(original[IDENTITIES], edit.identities)) continue;
    checkLocated(pkg, original, file);
    const pieces = splicedPieces(text, planEdit(text, layout, pkg, edit.identities), file, start, end);
    checkSpan({ start, end, replacement: pieces.join(''), identities: edit.identities, original }, end === text.length, file);
    // The pieces, not the package's whole new text: the result is joined once, and no package's text is held twice until then.
    parts.push(text.slice(at, start), ...pieces);
    at = end;
  }
  if (parts.length === 0) return { text, changed: false };
  parts.push(text.slice(at));
  const out = parts.join('');
  return { text: out, changed: out !== text };
}

/** The original algorithm, for shapes the span path cannot take: parse the whole text, splice, parse the whole result, compare. */
function editWhole(document: LockDocument, edits: readonly IdentityEdit[], file: string | undefined): EditResult {
  const { text, layout } = document;
  const original = parseToml(text, file);
  const recorded = packagesOf(original);
  checkEdits(edits, Array.isArray(original['packages']) ? recorded.length : 0);
  const pending = edits.filter((e) => !recordsExactly(identitiesOf(recorded[e.position]), e.identities));
  if (pending.length === 0) return { text, changed: false };
  checkShape(layout);
  const splices = pending.flatMap((e) => {
    const pkg = layout.packages[e.position] as PackageLayout;
    checkLocated(pkg, recorded[e.position], file);
    return planEdit(text, layout, pkg, e.identities);
  });
  const out = applySplices(text, splices, file, 0, text.length);
  verifyWhole(out, original, new Map(pending.map((e) => [e.position, e.identities])), file);
  return { text: out, changed: out !== text };
}

function identitiesOf(pkg: unknown): unknown {
  return isTable(pkg) ? pkg[IDENTITIES] : undefined;
}

/**
 * The recorded value is exactly these identities (same tables, any order of
 * tables and keys): then we leave the user's formatting alone. Stricter than
 * core/identity.ts `sameIdentitySet`, which compares normalized sets: an
 * identity recorded with `environment = ""` is the same identity, but not
 * what we would write, so it is rewritten.
 */
function recordsExactly(recorded: unknown, next: readonly Identity[]): boolean {
  if (recorded === undefined) return next.length === 0;
  return Array.isArray(recorded) && sameMultiset(recorded, next);
}

/** A shape the locator refused, a header count that disagrees with the parser's included (lock-layout.ts checkPackageCount). */
function checkShape(layout: LockLayout): void {
  if (layout.refusal !== undefined) throw layout.refusal;
}

function checkLocated(pkg: PackageLayout, recorded: unknown, file: string | undefined): void {
  const located = pkg.inline !== undefined || pkg.segments.length > 0;
  if (located === (identitiesOf(recorded) !== undefined)) return;
  const name = isTable(recorded) && typeof recorded['name'] === 'string' ? recorded['name'] : undefined;
  throw new PylockAttestError('LOCK_SHAPE', 'cannot locate where this package records attestation-identities', {
    file,
    line: pkg.header.line,
    column: pkg.header.column,
    package: name,
    hint: IDENTITIES_HINT,
  });
}

function planEdit(text: string, layout: LockLayout, pkg: PackageLayout, ids: Identity[]): Splice[] {
  if (pkg.inline !== undefined) return [planInline(text, pkg.inline, ids)];
  if (pkg.segments.length > 0) return planSegments(text, pkg.segments, ids);
  return [planInsert(text, layout, pkg, ids)];
}

/** New blocks go after the package's own keys and sub-tables, before [packages.tool] and the next header. */
function planInsert(text: string, layout: LockLayout, pkg: PackageLayout, ids: Identity[]): Splice {
  const anchor = pkg.lastOwn;
  const eol = eolNear(text, anchor);
  const indent = pkg.subIndent ?? layout.fileSubIndent ?? '';
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

/** `text[from, to)` with the splices applied; every splice must lie inside that range. */
function applySplices(text: string, splices: Splice[], file: string | undefined, from: number, to: number): string {
  return splicedPieces(text, splices, file, from, to).join('');
}

/** The pieces of `text[from, to)` with the splices applied, in order: slices of `text` and the splices' texts. */
function splicedPieces(text: string, splices: Splice[], file: string | undefined, from: number, to: number): string[] {
  splices.sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: string[] = [];
  let at = from;
  for (const s of splices) {
    if (s.start < at || s.end > to) throw new PylockAttestError('EDIT_MISMATCH', 'internal error: overlapping edits, or an edit outside its package', { file });
    parts.push(text.slice(at, s.start), s.text);
    at = s.end;
  }
  parts.push(text.slice(at, to));
  return parts;
}

interface CheckedSpan extends SpanEdit {
  /** smol-toml's reading of `text[start, end)` alone: that package's data. */
  original: Record<string, unknown>;
}

/**
 * The bug guard, one package at a time: `text` with each span replaced,
 * checked first. Each span must be one package's whole text (`start` at a
 * line start, `end` just past its last statement's line), non-overlapping.
 * Throws EDIT_MISMATCH unless each original span reads on its own as exactly
 * one package, each replacement reads on its own as exactly one package,
 * that package is the original with exactly the new identities in place of
 * the recorded ones, and each replacement ends at a line end (or the file's).
 */
export function spliceSpans(text: string, spans: readonly SpanEdit[], file?: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at || span.end > text.length) throw mismatch(file, 'internal error: overlapping edits');
    const original = readPackageText(text.slice(span.start, span.end));
    if (original === undefined) throw mismatch(file, 'an edited package does not read on its own as one package');
    checkSpan({ ...span, original }, span.end === text.length, file);
    parts.push(text.slice(at, span.start), span.replacement);
    at = span.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

function checkSpan(span: CheckedSpan, atEnd: boolean, file: string | undefined): void {
  const edited = readPackageText(span.replacement);
  // A replacement that stops mid-line would run into the text after it.
  const endsLine = atEnd || span.replacement.endsWith('\n');
  if (edited === undefined || !endsLine || !sameEditedPackage(span.original, edited, span.identities)) {
    throw mismatch(file, 'the edited lockfile would not read back as intended');
  }
}

/** A package's text read on its own: its table when it is exactly one `[[packages]]` entry and nothing else; undefined otherwise. */
function readPackageText(text: string): Record<string, unknown> | undefined {
  let data: Record<string, unknown>;
  try {
    data = parse(text);
  } catch (e) {
    if (e instanceof TomlError) return undefined;
    throw e;
  }
  const keys = Object.keys(data);
  const packages = data['packages'];
  if (keys.length !== 1 || !Array.isArray(packages) || packages.length !== 1 || !isTable(packages[0])) return undefined;
  return packages[0];
}

/** The bug guard on the whole document: the result must read back as the original data with exactly our identities changed. */
function verifyWhole(out: string, original: Record<string, unknown>, applied: Map<number, readonly Identity[]>, file?: string): void {
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

function sameDocument(original: Record<string, unknown>, reparsed: Record<string, unknown>, applied: Map<number, readonly Identity[]>): boolean {
  const { packages, ...rest } = original;
  const { packages: got, ...gotRest } = reparsed;
  if (!Array.isArray(packages)) return sameValue(original, reparsed);
  return sameValue(rest, gotRest) && samePackages(packages, got, applied);
}

function samePackages(original: unknown[], reparsed: unknown, applied: Map<number, readonly Identity[]>): boolean {
  if (!Array.isArray(reparsed) || reparsed.length !== original.length) return false;
  for (let i = 0; i < original.length; i++) {
    const ids = applied.get(i);
    if (ids === undefined ? !sameValue(original[i], reparsed[i]) : !sameEditedPackage(original[i], reparsed[i], ids)) return false;
  }
  return true;
}

function sameEditedPackage(pkg: unknown, got: unknown, ids: readonly Identity[]): boolean {
  if (!isTable(pkg) || !isTable(got)) return false;
  const expected: Record<string, unknown> = { ...pkg };
  delete expected[IDENTITIES];
  if (ids.length > 0) expected[IDENTITIES] = ids;
  return sameValue(expected, got);
}
