/**
 * The pins of every requirements file of one `lock` run, merged: duplicates
 * folded, conflicts refused with both places named, constraints checked, the
 * index options settled. Pure.
 */
import { satisfies } from '@renovatebot/pep440';
import { PylockAttestError } from '../errors.js';
import type { Constraint, LockWarning, Pin, RequirementsEntry, SourcePosition } from './requirements.js';
import { sameVersion } from './version-key.js';

export interface IndexOption {
  url: string;
  at: SourcePosition;
}

export interface PinSet {
  /** In the order first written. */
  pins: Pin[];
  indexUrl: IndexOption | undefined;
  extraIndexUrls: IndexOption[];
  /** `--require-hashes`, or implied (as pip does) by a `--hash` anywhere. */
  hashChecking: boolean;
  warnings: LockWarning[];
}

export function collectPins(entries: readonly RequirementsEntry[]): PinSet {
  const set: PinSet = { pins: [], indexUrl: undefined, extraIndexUrls: [], hashChecking: false, warnings: [] };
  const byProject = new Map<string, Sequenced[]>();
  const constraints: Constraint[] = [];
  entries.forEach((entry, seq) => {
    switch (entry.kind) {
      case 'pin':
        addPin(byProject, { ...entry.pin, seq });
        break;
      case 'constraint':
        constraints.push(entry.constraint);
        break;
      case 'index-url':
        setIndexUrl(set, entry);
        break;
      case 'extra-index-url':
        if (!set.extraIndexUrls.some((e) => e.url === entry.url)) set.extraIndexUrls.push({ url: entry.url, at: entry.at });
        break;
      case 'require-hashes':
        set.hashChecking = true;
        break;
      case 'include':
        break; // followed by the io layer
    }
  });
  set.pins = [...byProject.values()]
    .flat()
    .sort((a, b) => a.seq - b.seq)
    .map(({ seq: _, ...pin }) => pin);
  set.hashChecking ||= set.pins.some((p) => p.hashes.length > 0);
  if (set.hashChecking) requireHashes(set.pins);
  for (const c of constraints) checkConstraint(c, byProject.get(c.project) ?? []);
  return set;
}

/** Two `--index-url`s that differ leave the primary index ambiguous. */
function setIndexUrl(set: PinSet, entry: { url: string; at: SourcePosition }): void {
  if (set.indexUrl !== undefined && set.indexUrl.url !== entry.url) {
    throw fail(
      entry.at,
      `a second, different --index-url (the first is at ${where(set.indexUrl.at)})`,
      'keep one --index-url; add other indexes with --extra-index-url',
    );
  }
  set.indexUrl ??= { url: entry.url, at: entry.at };
}

/**
 * Same project, same marker (or either unconditional): the versions must be
 * equal, and the two pins become one. Different markers are kept apart: a
 * universal resolution pins a project once per environment.
 */
function addPin(byProject: Map<string, Sequenced[]>, pin: Sequenced): void {
  const group = byProject.get(pin.project) ?? [];
  byProject.set(pin.project, group);
  for (const other of group) {
    const overlaps = other.marker === pin.marker || other.marker === undefined || pin.marker === undefined;
    if (overlaps && !sameVersion(other.version, pin.version)) {
      throw fail(
        pin.at,
        `${pin.name}==${pin.version} conflicts with ${other.name}==${other.version} at ${where(other.at)}`,
        'a resolved requirements file pins each project once; regenerate it',
      );
    }
  }
  if (pin.marker === undefined) {
    // Unconditional: it covers every conditional pin of the same version.
    const merged = group.reduce((acc, other) => mergePins(acc, other), pin);
    group.splice(0, group.length, merged);
    return;
  }
  const target = group.findIndex((other) => other.marker === pin.marker || other.marker === undefined);
  if (target < 0) group.push(pin);
  else group[target] = mergePins(group[target]!, pin);
}

/** A pin and its place in the input, so the merged list keeps the order the files gave. */
type Sequenced = Pin & { seq: number };

function mergePins(kept: Sequenced, extra: Sequenced): Sequenced {
  const [first, second] = kept.seq <= extra.seq ? [kept, extra] : [extra, kept];
  if (first.hashes.length > 0 && second.hashes.length > 0 && !sameHashes(first, second)) {
    throw fail(
      second.at,
      `${second.name}==${second.version} lists other hashes than at ${where(first.at)}`,
      'list the same --hash values on both lines, or pin the project once',
    );
  }
  const extras = [...new Set([...first.extras, ...second.extras])];
  const marker = kept.marker === undefined || extra.marker === undefined ? undefined : kept.marker;
  return { ...first, extras, marker, hashes: first.hashes.length > 0 ? first.hashes : second.hashes };
}

function sameHashes(a: Pin, b: Pin): boolean {
  const x = new Set(a.hashes.map((h) => h.sha256));
  const y = new Set(b.hashes.map((h) => h.sha256));
  return x.size === y.size && [...x].every((h) => y.has(h));
}

/** pip's hash-checking mode: once one requirement has a hash, every one needs them. */
function requireHashes(pins: readonly Pin[]): void {
  const bare = pins.find((p) => p.hashes.length === 0);
  if (bare === undefined) return;
  throw fail(
    bare.at,
    `${bare.name}==${bare.version} has no --hash, but hash-checking is on (--require-hashes, or --hash on another requirement)`,
    'give every requirement its hashes (pip-compile --generate-hashes), or none',
  );
}

/** Constraints with a marker hold only in some environments, which we cannot evaluate: they are not checked. */
function checkConstraint(c: Constraint, pins: readonly Pin[]): void {
  if (c.marker !== undefined || c.specifier === '') return;
  for (const pin of pins) {
    if (!floatExact(pin.version) || !floatExact(c.specifier)) {
      throw fail(
        pin.at,
        `${pin.name}==${pin.version} cannot be checked exactly against the constraint ${pin.name}${c.specifier} at ${where(c.at)}: a version number there has more than ${SAFE_DIGITS} digits`,
        'check that pin against the constraint yourself, then remove the constraint',
      );
    }
    if (!satisfies(pin.version, c.specifier)) {
      throw fail(
        pin.at,
        `${pin.name}==${pin.version} does not satisfy the constraint ${pin.name}${c.specifier} at ${where(c.at)}`,
        'regenerate the requirements with the constraints applied',
      );
    }
  }
}

/**
 * @renovatebot/pep440 evaluates specifiers on numbers parsed as floats, which
 * are exact only up to 2^53: with longer numbers it would call
 * `1.99999999999999999999` `==1.99999999999999999998`. Within 15 digits it is exact.
 */
const SAFE_DIGITS = 15;

function floatExact(text: string): boolean {
  for (const [digits] of text.matchAll(/\d+/g)) if (digits.replace(/^0+/, '').length > SAFE_DIGITS) return false;
  return true;
}

export function where(at: SourcePosition): string {
  return `${at.file}:${at.line}`;
}

function fail(at: SourcePosition, message: string, hint: string): PylockAttestError {
  return new PylockAttestError('REQUIREMENTS', message, { file: at.file, line: at.line, column: at.column, hint });
}
