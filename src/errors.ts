/**
 * The one error class. Every failure that can reach a user carries a typed
 * `code`; the CLI maps codes to exit codes and messages in one place.
 */
export const ERROR_CODES = [
  // usage and input (exit 2)
  'USAGE',
  'LOCK_READ',
  'LOCK_ENCODING',
  'LOCK_PARSE',
  'LOCK_VERSION',
  'LOCK_INVALID',
  'LOCK_SHAPE',
  'EDIT_MISMATCH',
  'WRITE',
  'WRITE_CONFLICT',
  'TRUST_ROOT',
  'INDEX_URL',
  'REQUIREMENTS',
  'POLICY',
  'GIT_READ',
  // network and index (exit 3)
  'INDEX_HTTP',
  'INDEX_NETWORK',
  'INDEX_TIMEOUT',
  'INDEX_BODY',
  'INDEX_UNAVAILABLE',
  'OFFLINE_MISS', // --offline, and the cache holds no answer
  // verdicts on a package (exit 1 when they are findings)
  'NO_PROVENANCE',
  'VERIFY_FAILED',
  'INTERRUPTED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorLocation {
  /** The lockfile (or other input) path as the user gave it. */
  file?: string;
  /** 1-based line and column. */
  line?: number;
  column?: number;
  /** The package the error concerns, when there is one. */
  package?: string;
  /** What the user should do next. */
  hint?: string;
}

export class PylockAttestError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly package: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PylockAttestError';
    this.code = code;
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.package = location.package;
    this.hint = location.hint;
  }

  /** `file:line:col: message (package)`, then the hint on a line of its own: the form every user-facing error takes. */
  describe(): string {
    const hint = this.hint !== undefined ? `\n  hint: ${this.hint}` : '';
    return `${this.headline()}${hint}`;
  }

  /** `file:line:col: message (package)`, without the hint. */
  headline(): string {
    let where = '';
    if (this.file !== undefined) {
      where = this.file;
      if (this.line !== undefined) where += `:${this.line}`;
      if (this.line !== undefined && this.column !== undefined) where += `:${this.column}`;
      where += ': ';
    }
    const pkg = this.package !== undefined ? ` (package ${this.package})` : '';
    return `${where}${this.message}${pkg}`;
  }

  /** The error as report data (JSON reports, library results): the hint is a field of its own. */
  toReport(): ErrorReport {
    return { code: this.code, message: this.headline(), ...(this.hint !== undefined ? { hint: this.hint } : {}) };
  }
}

/** An error inside a report: what went wrong (with file:line and package), and what to do next. */
export interface ErrorReport {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export function isPylockAttestError(e: unknown): e is PylockAttestError {
  return e instanceof PylockAttestError;
}

const NETWORK_CODES: ReadonlySet<ErrorCode> = new Set(['INDEX_HTTP', 'INDEX_NETWORK', 'INDEX_TIMEOUT', 'INDEX_BODY', 'INDEX_UNAVAILABLE', 'OFFLINE_MISS']);

/** Exit code for an error that aborts a run: 3 for the index/network, 1 for verdicts, 2 otherwise. */
export function exitCodeFor(code: ErrorCode): 1 | 2 | 3 {
  if (NETWORK_CODES.has(code)) return 3;
  if (code === 'NO_PROVENANCE' || code === 'VERIFY_FAILED') return 1;
  return 2;
}

/**
 * A run's exit code, ranked: input errors (2) outrank index failures (3),
 * which outrank findings (1). `errors`: the code of each lockfile that could
 * not be processed; `unavailable`: the index could not answer for some file;
 * `failing`: a finding fails the run. enrich, refresh, lock, check and diff
 * all end here.
 */
export function runExitCode(errors: readonly ErrorCode[], outcome: { unavailable: boolean; failing: boolean }): 0 | 1 | 2 | 3 {
  const codes = errors.map(exitCodeFor);
  if (codes.includes(2)) return 2;
  if (codes.includes(3) || outcome.unavailable) return 3;
  return outcome.failing || codes.includes(1) ? 1 : 0;
}
