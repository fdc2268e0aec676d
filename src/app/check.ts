import { diffLocks, stateFindings } from '../core/diff.js';
import { dedupeFindings } from '../core/findings.js';
import { indexFindings } from '../core/index-agreement.js';
import type { LockModel } from '../core/lockfile.js';
import type { Finding } from '../core/outcome.js';
import { isRequired, type Policy } from '../core/policy.js';
import { PylockAttestError } from '../errors.js';
import { parseGitSpec } from '../io/git-source.js';
import { runPolicy } from '../io/policy-file.js';
import { finishAudit, type AuditLockfile, type AuditResult } from './audit-result.js';
import type { EvaluateOptions, Evaluation } from './evaluate.js';
import { loadLockInput, type LockInput } from './lock-input.js';
import { checkOptionKeys, EVALUATE_OPTION_KEYS, optionKeys } from './option-keys.js';

/** Network and verification options as enrich takes them (check always verifies), plus the audit's own. */
export interface CheckOptions extends Omit<EvaluateOptions, 'verify' | 'allowIdentityChange' | 'offline'> {
  /** No network at all: diff (with `base`) and policy only. */
  offline?: boolean;
  /** `git:<rev>` (each lockfile at that revision), `git:<rev>:<path>` or a file (one lockfile only). */
  base?: string;
  /** An already loaded policy; else `policyFile`, else `[tool.pylock-attest]` of `<cwd>/pyproject.toml`. */
  policy?: Policy;
  policyFile?: string;
  /** Where git runs and pyproject.toml is looked for (default: the process's cwd). */
  cwd?: string;
  /** "Today", for allowance expiry (default: now). */
  now?: Date;
}

/**
 * The gate for pre-commit and CI; it never writes. Online it re-fetches and
 * verifies provenance for every locked file and reports where the lockfile
 * and the index disagree; with a base it also diffs; offline it makes no
 * network request at all (no RunContext is even built).
 */
/** Every option check takes: anything else from plain JavaScript is a usage error. */
const { verify: _verify, allowIdentityChange: _allow, ...NETWORK_KEYS } = EVALUATE_OPTION_KEYS;
export const CHECK_OPTION_KEYS = optionKeys<CheckOptions>({ ...NETWORK_KEYS, base: true, policyFile: true, cwd: true });

export async function check(paths: readonly string[], options: CheckOptions = {}): Promise<AuditResult> {
  checkOptionKeys('check', options, CHECK_OPTION_KEYS);
  if (paths.length === 0) throw new PylockAttestError('USAGE', 'name at least one lockfile', { hint: 'pylock-attest check pylock.toml' });
  checkBaseArity(options.base, paths.length);
  const { policy, now } = await runPolicy(options);
  // Bases first: a bad revision fails before any request is made.
  const bases = await Promise.all(paths.map((p) => loadBase(p, options)));
  const wanted = paths.filter((_, i) => bases[i]?.ok !== false);
  // Online, the policy's allowances also decide whether a partially attested package would be recorded (not-enriched).
  const current: Currents = options.offline
    ? { inputs: await Promise.all(wanted.map(loadCurrent)), requests: 0 }
    : await evaluateOnline(wanted, { ...options, policy, now });
  const lockfiles: AuditLockfile[] = [];
  const findings: Finding[] = [];
  let next = 0;
  paths.forEach((path, i) => {
    const base = bases[i];
    const { entry, found } = auditOne(path, base, base?.ok === false ? undefined : current.inputs[next++], policy);
    lockfiles.push(entry);
    findings.push(...found);
  });
  const trust = current.trustRoot !== undefined ? { trustRoot: current.trustRoot } : {};
  return finishAudit({ command: 'check', online: !options.offline, lockfiles, findings, policy, now, requests: current.requests, ...trust });
}

/** A base that names one file cannot be the base of several lockfiles. */
function checkBaseArity(base: string | undefined, count: number): void {
  if (base === undefined || count === 1) return;
  const git = parseGitSpec(base);
  if (git && git.path === undefined) return;
  throw new PylockAttestError('USAGE', `--base ${base} names one file, but ${count} lockfiles were given`, {
    hint: 'use --base git:<rev> to compare each lockfile with itself at that revision',
  });
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: PylockAttestError };

/** How the lockfile reads now, with the index's findings when online. */
interface Current {
  model: LockModel;
  online?: Finding[];
}

interface Currents {
  inputs: Array<Outcome<Current>>;
  requests: number;
  trustRoot?: string;
}

async function loadBase(path: string, options: CheckOptions): Promise<Outcome<LockInput> | undefined> {
  if (options.base === undefined) return undefined;
  return attempt(() => loadLockInput(options.base!, { defaultPath: path, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) }));
}

async function loadCurrent(path: string): Promise<Outcome<Current>> {
  return attempt(async () => ({ model: (await loadLockInput(path)).model }));
}

/** Loaded late: an offline check never loads the evaluator, undici or sigstore. */
async function evaluateOnline(paths: readonly string[], options: CheckOptions): Promise<Currents> {
  if (paths.length === 0) return { inputs: [], requests: 0 };
  const { evaluateLockfiles } = await import('./evaluate.js');
  // The CI gate judges the index as it is now: every cached answer is revalidated, no file outcome reused.
  const evaluation: Evaluation = await evaluateLockfiles(paths, { ...networkOptions(options), verify: true, revalidate: true });
  const inputs = evaluation.lockfiles.map((entry): Outcome<Current> => {
    if (!entry.ok) return { ok: false, error: entry.error };
    return { ok: true, value: { model: entry.lock.model, online: indexFindings(entry.packages, entry.path) } };
  });
  return { inputs, requests: evaluation.requests, ...(evaluation.trustRoot !== undefined ? { trustRoot: evaluation.trustRoot } : {}) };
}

function networkOptions(options: CheckOptions): EvaluateOptions {
  const { offline: _o, base: _b, policyFile: _f, cwd: _c, ...rest } = options;
  return rest;
}

function auditOne(
  path: string,
  base: Outcome<LockInput> | undefined,
  current: Outcome<Current> | undefined,
  policy: Policy,
): { entry: AuditLockfile; found: Finding[] } {
  const entry: AuditLockfile = { path, packages: current?.ok ? current.value.model.packages.length : 0 };
  const failure = base && !base.ok ? base.error : current && !current.ok ? current.error : undefined;
  if (failure || !current?.ok) {
    entry.error = failure ? failure.toReport() : { code: 'USAGE', message: 'not audited' };
    return { entry, found: [] };
  }
  if (base?.ok) {
    entry.base = base.value.label;
    if (base.value.absent) entry.baseAbsent = true;
  }
  const { model, online = [] } = current.value;
  const required = (name: string) => isRequired(policy, name);
  // With a base, the diff sees changes; a required package that records no
  // identity is reported whether or not it changed (on pre-commit.ci the base
  // is the commit itself, so the diff alone would see nothing).
  const unattested = () => stateFindings(model, path, required).filter((f) => f.category === 'new-package-unattested');
  const offline = base?.ok ? dedupeFindings([...diffLocks(base.value.model, model, path), ...unattested()]) : stateFindings(model, path, required);
  return { entry, found: merge(offline, online) };
}

/**
 * One fact, one finding. A package the index proves but the lockfile does not
 * record is `not-enriched`; saying "unattested" too would be noise. Mixed
 * publishers seen by the index replace those read from the lockfile.
 */
function merge(offline: Finding[], online: Finding[]): Finding[] {
  const seen = (category: Finding['category']) => new Set(online.filter((f) => f.category === category).map((f) => f.package));
  const notEnriched = seen('not-enriched');
  const mixed = seen('mixed-publishers');
  const redundant = (f: Finding) =>
    (f.category === 'new-package-unattested' && notEnriched.has(f.package)) || (f.category === 'mixed-publishers' && mixed.has(f.package));
  return [...offline.filter((f) => !redundant(f)), ...online];
}

async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof PylockAttestError) return { ok: false, error: e };
    throw e;
  }
}
