/**
 * Where each `[[packages]]` entry of a lockfile sits, and which of its
 * statements the editor needs (its header, where its own keys end, its
 * identity blocks), from the scanner's one pass over the text. The same pass
 * gives the TOML 1.0 check (core/toml-strict.ts): reading a lockfile scans it
 * once, and the editor splices at the positions found then.
 */
import { PylockAttestError } from '../errors.js';
import { scanTomlWith, type KeyValueStatement, type Statement, type TableStatement } from './scanner.js';
import type { TomlProblem } from './toml-strict.js';

export const IDENTITIES = 'attestation-identities';
export const PACKAGES_HINT = 'write each package as a [[packages]] table (as uv, pip and the PEP 751 example do), then run again';
export const IDENTITIES_HINT = 'write them as [[packages.attestation-identities]] tables or as `attestation-identities = [...]`, or delete them';

/** A `[[packages.attestation-identities]]` header (or a sub-table under one) and the keys that follow it. */
export interface IdentitySegment {
  header: TableStatement;
  last: Statement;
  /** The header, then its keys: the segment's own lines, which a removal takes (comments between them stay). */
  statements: Statement[];
}

export interface PackageLayout {
  /** Position in the `packages` array. */
  position: number;
  header: TableStatement;
  /** The last statement of the package's own tables: new blocks go right after it. */
  lastOwn: Statement;
  /** The package's last statement: its span is `header.lineStart` to `last.next`. */
  last: Statement;
  /** Indentation of the package's first own sub-table header. */
  subIndent: string | undefined;
  inline: KeyValueStatement | undefined;
  segments: IdentitySegment[];
}

export interface LockLayout {
  packages: PackageLayout[];
  /** The first sub-table indentation seen in any package: the file's convention. */
  fileSubIndent: string | undefined;
  /** The first shape we cannot edit safely; reported only when an edit needs writing. */
  refusal: PylockAttestError | undefined;
}

/** A lockfile's text and its layout: what the editor splices into. */
export interface LockDocument {
  text: string;
  layout: LockLayout;
  /**
   * Each package's data as the whole document reads it (toml-equality.ts
   * `fingerprint`), taken while smol-toml's tree was alive: the editor's
   * per-package check compares a package's own text against it, so a span the
   * scanner drew wrong is caught by the parser, not trusted. Absent for a
   * document read only to be compared (a `git:` baseline): edited anyway, it
   * would take the whole-document check.
   */
  fingerprints?: readonly string[];
}

/**
 * The one pass over a lockfile's text: its layout, and the first thing TOML
 * 1.0 forbids (undefined when none). Throws LOCK_PARSE (naming `file`) where
 * the scanner cannot follow the text.
 */
export function scanLock(text: string, file: string | undefined): { layout: LockLayout; problem: TomlProblem | undefined } {
  const locator = new LockLocator(text, file);
  try {
    const problem = scanTomlWith(text, (s) => locator.add(s));
    return { layout: locator.layout(), problem };
  } catch (e) {
    if (!(e instanceof PylockAttestError) || file === undefined) throw e;
    throw new PylockAttestError(e.code, e.message, { file, line: e.line, column: e.column, hint: 'fix the TOML syntax; nothing was changed' }, { cause: e });
  }
}

/**
 * When the scanner and smol-toml disagree on how many packages there are,
 * no edit may rely on the scanner's positions: recorded as the refusal.
 */
export function checkPackageCount(layout: LockLayout, count: number, file: string | undefined): void {
  if (layout.refusal !== undefined || layout.packages.length === count) return;
  layout.refusal = new PylockAttestError('LOCK_SHAPE', `found ${layout.packages.length} [[packages]] headers for ${count} packages`, {
    file,
    hint: PACKAGES_HINT,
  });
}

type Section = 'root' | 'other' | 'body' | 'own' | 'tool' | 'identity';

/**
 * Attributes each statement to a `[[packages]]` entry. TOML lets a package's
 * sub-tables reappear after unrelated tables, so attribution follows the
 * last `[[packages]]` header, not adjacency. It keeps only the statements
 * the editor needs; the others are dropped as they come.
 */
class LockLocator {
  private readonly packages: PackageLayout[] = [];
  private fileSubIndent: string | undefined;
  private refusal: PylockAttestError | undefined;
  private section: Section = 'root';
  private pkg: PackageLayout | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {}

  add(s: Statement): void {
    if (s.kind === 'keyvalue') this.onKey(s);
    else this.onHeader(s);
  }

  layout(): LockLayout {
    return { packages: this.packages, fileSubIndent: this.fileSubIndent, refusal: this.refusal };
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
    this.pkg = { position: this.packages.length, header: h, lastOwn: h, last: h, subIndent: undefined, inline: undefined, segments: [] };
    this.packages.push(this.pkg);
    this.section = 'body';
  }

  private onPackageSubHeader(pkg: PackageLayout, h: TableStatement): void {
    const sub = h.path[1];
    if (sub === IDENTITIES) {
      this.onIdentityHeader(pkg, h);
    } else if (sub === 'tool') {
      this.section = 'tool';
    } else {
      this.section = 'own';
      pkg.lastOwn = h;
      if (pkg.subIndent === undefined) {
        pkg.subIndent = this.text.slice(h.lineStart, h.start);
        this.fileSubIndent ??= pkg.subIndent;
      }
    }
  }

  private onIdentityHeader(pkg: PackageLayout, h: TableStatement): void {
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

  private onInlineIdentities(pkg: PackageLayout, k: KeyValueStatement): void {
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
