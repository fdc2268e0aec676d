import { applyIdentityEdits, type IdentityEdit } from '../core/editor.js';
import { isFailing } from '../core/findings.js';
import { identitiesToWrite, type Finding, type PackageOutcome } from '../core/outcome.js';
import { expiredAllowanceFindings, type Policy } from '../core/policy.js';
import { PylockAttestError, runExitCode, type ErrorCode, type ErrorReport } from '../errors.js';
import { writeLockSource } from '../io/lockfile-io.js';
import { runPolicy, type PolicySource } from '../io/policy-file.js';
import { evaluateLockfiles, type EvaluatedLockfile, type EvaluateOptions, type ModelOf } from './evaluate.js';
import type { LoadedLockfile } from './read-lockfile.js';
import { checkOptionKeys, EVALUATE_OPTION_KEYS, optionKeys } from './option-keys.js';

/**
 * The policy (`policy`, else `policyFile`, else `[tool.pylock-attest]` of
 * `<cwd>/pyproject.toml`) is read as `check` reads it: its allowances may
 * accept a partially attested package, and it judges every finding.
 */
export interface EnrichOptions extends EvaluateOptions, PolicySource {
  /** Compute everything, write nothing. */
  dryRun?: boolean;
}

export interface LockfileResult {
  path: string;
  packages: PackageOutcome[];
  findings: Finding[];
  warnings: string[];
  /** The file's new text differs from the old. */
  changed: boolean;
  /** It was written (not a dry run, nothing blocked the write). */
  written: boolean;
  /** Why the file could not be processed or written: the message (with file:line and package) and, apart, what to do. */
  error?: ErrorReport;
  /** The new text (only when it changed), for dry runs and library callers. */
  newText?: string;
}

export interface EnrichResult {
  schema: 'pylock-attest/enrich@2';
  /** Attestations were verified; false only with `verify: false` (--no-verify), when every identity is the index's claim. */
  verification: boolean;
  trustRoot?: string;
  /** Where the policy came from; absent when there was none. */
  policy?: string;
  /** Findings about the policy itself (`allowance-expired`), once per run; absent when none. */
  policyFindings?: Finding[];
  lockfiles: LockfileResult[];
  requests: number;
  exitCode: 0 | 1 | 2 | 3;
}

/** Every option enrich (and refresh) takes: anything else from plain JavaScript is a usage error. */
export const ENRICH_OPTION_KEYS = optionKeys<EnrichOptions>({ ...EVALUATE_OPTION_KEYS, policyFile: true, cwd: true, dryRun: true });

/** Fetch, verify and record attestation identities for every locked file. */
export async function enrich(paths: readonly string[], options: EnrichOptions = {}): Promise<EnrichResult> {
  checkOptionKeys('enrich', options, ENRICH_OPTION_KEYS);
  const { policy, now } = await runPolicy(options);
  const evaluation = await evaluateLockfiles(paths, { ...options, policy, now });
  const lockfiles: LockfileResult[] = [];
  for (const entry of evaluation.lockfiles) lockfiles.push(await finish(entry, options, backToSource));
  const policyFindings = expiredAllowanceFindings(policy, now);
  const result: EnrichResult = {
    schema: 'pylock-attest/enrich@2',
    verification: evaluation.verification,
    lockfiles,
    requests: evaluation.requests,
    exitCode: exitCodeOf(lockfiles, policyFindings),
  };
  if (evaluation.trustRoot !== undefined) result.trustRoot = evaluation.trustRoot;
  withPolicy(result, policy, policyFindings);
  return result;
}

/** Records where the policy came from and its own findings on a result (enrich, refresh, lock). */
export function withPolicy(result: { policy?: string; policyFindings?: Finding[] }, policy: Policy, findings: Finding[]): void {
  if (policy.source !== undefined) result.policy = policy.source;
  if (findings.length > 0) result.policyFindings = findings;
}

/** Where a lockfile's new text goes: over the file it was read from, or (lock) a file that may not exist yet. */
export interface Destination {
  /** The text there now (BOM aside); undefined when there is no file yet. */
  current: string | undefined;
  write(text: string): Promise<unknown>;
}

/** Back over the file the text was read from, through the conflict check (io/lockfile-io.ts). */
function backToSource(lock: LoadedLockfile): Destination {
  return { current: lock.source.text, write: (text) => writeLockSource(lock.source, text) };
}

/**
 * Splice the decided identities into the text and write it, unless something
 * blocks the write: the one ending of enrich, refresh and lock. `warnings`
 * come first (lock's, about its requirements).
 */
export async function finish<L extends ModelOf>(
  entry: EvaluatedLockfile<L>,
  options: { dryRun?: boolean },
  destination: (lock: L) => Destination,
  warnings: readonly string[] = [],
): Promise<LockfileResult> {
  if (!entry.ok) return failed(entry.path, entry.error, warnings);
  const { packages } = entry;
  const result: LockfileResult = {
    path: entry.path,
    packages,
    findings: packages.flatMap((p) => p.findings),
    warnings: [...warnings, ...entry.warnings],
    changed: false,
    written: false,
  };
  if (packages.some((p) => p.status === 'unavailable')) {
    // All or nothing: a half-answered run must not look like a complete one.
    return { ...result, error: unavailableError(entry.path, packages).toReport() };
  }
  const dest = destination(entry.lock);
  const edits = plannedEdits(packages);
  try {
    // The model is asked for only to edit (a kept decision has none built).
    const text = edits.length > 0 ? applyIdentityEdits(entry.lock.model.document, edits, entry.path).text : entry.text;
    // The text the file already holds (a warm run's usual case): nothing to write.
    if (text === dest.current) return result;
    if (!options.dryRun) await dest.write(text);
    return { ...result, changed: true, written: !options.dryRun, newText: text };
  } catch (e) {
    if (e instanceof PylockAttestError) return { ...result, error: e.toReport() };
    throw e;
  }
}

/**
 * `pylock.toml: the index could not answer for 2 of 9 files (first: x.whl: HTTP 503 from …); nothing was written`,
 * once per lockfile however many files failed, with the hint that fits the first failure's cause.
 */
export function unavailableError(path: string, packages: readonly PackageOutcome[]): PylockAttestError {
  const files = packages.flatMap((p) => p.files);
  const failing = files.filter((f) => f.status === 'unavailable');
  const first = failing[0];
  const cause = first === undefined ? '' : ` (first: ${first.filename}: ${first.detail ?? 'no answer'})`;
  const offline = failing.length > 0 && failing.every((f) => f.code === 'OFFLINE_MISS');
  const message = offline
    ? `the cache cannot answer for ${failing.length} of ${files.length} files offline${cause}; nothing was written`
    : `the index could not answer for ${failing.length} of ${files.length} files${cause}; nothing was written`;
  return new PylockAttestError('INDEX_UNAVAILABLE', message, {
    file: path,
    hint: UNAVAILABLE_HINTS[offline ? 'OFFLINE_MISS' : (first?.code ?? 'INDEX_UNAVAILABLE')] ?? UNAVAILABLE_HINTS.INDEX_UNAVAILABLE,
  });
}

const UNAVAILABLE_HINTS: Partial<Record<ErrorCode, string>> & { INDEX_UNAVAILABLE: string } = {
  INDEX_NETWORK: 'check the network and any proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); with no network, --offline answers from the cache of an earlier run',
  INDEX_TIMEOUT: 'the index is slow or unreachable: try again later, or raise --timeout (per request) or --deadline (the whole run)',
  INDEX_HTTP: 'the index is failing: try again later',
  INDEX_BODY: 'the index answered with something that is not provenance: check --index-url, or try again later',
  OFFLINE_MISS: 'run once with the network (without --offline) to fill the cache',
  INDEX_UNAVAILABLE: 'try again later; --timeout and --deadline bound how long a run waits',
};

export function plannedEdits(packages: readonly PackageOutcome[]): IdentityEdit[] {
  const edits: IdentityEdit[] = [];
  packages.forEach((outcome, i) => {
    const identities = identitiesToWrite(outcome);
    if (identities !== undefined) edits.push({ position: i, identities });
  });
  return edits;
}

function failed(path: string, error: PylockAttestError, warnings: readonly string[] = []): LockfileResult {
  return { path, packages: [], findings: [], warnings: [...warnings], changed: false, written: false, error: error.toReport() };
}

/** The run's exit code (errors.ts `runExitCode`): the policy's own findings count as findings. */
export function exitCodeOf(lockfiles: readonly LockfileResult[], policyFindings: readonly Finding[] = []): 0 | 1 | 2 | 3 {
  const errors = lockfiles.flatMap((l) => (l.error ? [l.error.code] : []));
  const unavailable = lockfiles.some((l) => l.packages.some((p) => p.status === 'unavailable'));
  const failing = lockfiles.some((l) => l.findings.some(isFailing)) || policyFindings.some(isFailing);
  return runExitCode(errors, { unavailable, failing });
}
