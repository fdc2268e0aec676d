import { parse, TomlDate, TomlError } from 'smol-toml';
import { PylockAttestError } from '../errors.js';
import { auditFinding, AUDIT_CATEGORIES, sortFindings } from './findings.js';
import { identityKey, normalizeIdentitySet } from './identity.js';
import { normalizeProjectName } from './names.js';
import type { Allowance, Finding, FindingCategory, Severity } from './outcome.js';
import { scanToml } from './scanner.js';
import type { Identity, IdentityValue } from './types.js';

/**
 * The audit policy: which packages must be attested, which are ignored,
 * severity overrides, and allowances that accept one specific transition
 * until a date. Pure: text in, findings out; `now` is a parameter.
 *
 * Every key is checked: a typo such as `require-attestation` must not
 * silently switch a gate off.
 */

export interface AllowRule {
  /** PEP 503-normalized name or glob. */
  package: string;
  category?: FindingCategory;
  /** A distribution filename or glob, matched exactly (case-sensitive): only findings about that file. */
  file?: string;
  /** Keys an old identity must have, exactly (`""` = the key is absent). */
  from?: Record<string, IdentityValue>;
  /** Keys every newly accepted identity must have. */
  to?: Record<string, IdentityValue>;
  reason: string;
  /** YYYY-MM-DD; the allowance holds through that day (UTC). */
  expires: string;
  source: string;
  line: number;
}

export interface Policy {
  /** Where it was read from; undefined for the empty default policy. */
  source?: string;
  requireAttestations: string[];
  ignore: string[];
  severity: Partial<Record<FindingCategory, Severity>>;
  allow: AllowRule[];
}

export const EMPTY_POLICY: Policy = { requireAttestations: [], ignore: [], severity: {}, allow: [] };

type KeyPath = ReadonlyArray<string | number>;
/** 1-based line of a key or array-table entry, by its path from the document root. */
export type LineOf = (path: KeyPath) => number | undefined;

const TOP_KEYS = new Set(['require-attestations', 'ignore', 'severity', 'allow']);
const RULE_KEYS = new Set(['package', 'file', 'category', 'from', 'to', 'reason', 'expires']);
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
/** `unavailable` is the index failing (exit 3), never a policy matter. */
const POLICY_CATEGORIES: readonly FindingCategory[] = AUDIT_CATEGORIES.filter((c) => c !== 'unavailable');
const ALLOWABLE: readonly FindingCategory[] = POLICY_CATEGORIES.filter((c) => c !== 'allowance-expired');
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/**
 * A policy from TOML text: `[tool.pylock-attest]` when the document has one
 * (pyproject.toml), else, for a file named explicitly, its top level.
 * A pyproject.toml without the table (found, not named) is the empty policy.
 */
export function policyFromToml(text: string, source: string, named: boolean): Policy {
  const data = parseToml(text, source);
  const lineOf = tomlLines(text);
  const tool = table(data['tool'])?.['pylock-attest'];
  if (tool !== undefined) {
    const t = table(tool);
    if (!t) throw policyError('`tool.pylock-attest` is not a table', source, lineOf(['tool', 'pylock-attest']));
    return readPolicy(t, ['tool', 'pylock-attest'], source, lineOf);
  }
  return named ? readPolicy(data, [], source, lineOf) : { ...EMPTY_POLICY, source };
}

function parseToml(text: string, source: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    throw new PylockAttestError(
      'POLICY',
      e.message.split('\n')[0] ?? 'invalid TOML',
      { file: source, line: e.line, column: e.column, hint: 'fix the TOML syntax' },
      { cause: e },
    );
  }
}

function readPolicy(t: Record<string, unknown>, at: KeyPath, source: string, lineOf: LineOf): Policy {
  const where = (...rest: KeyPath) => lineOf([...at, ...rest]);
  for (const key of Object.keys(t)) {
    if (!TOP_KEYS.has(key)) throw policyError(`unknown policy key \`${key}\``, source, where(key), `known keys: ${[...TOP_KEYS].join(', ')}`);
  }
  const policy: Policy = {
    source,
    requireAttestations: nameList(t['require-attestations'], 'require-attestations', source, where('require-attestations')),
    ignore: nameList(t['ignore'], 'ignore', source, where('ignore')),
    severity: severities(t['severity'], source, where),
    allow: [],
  };
  const allow = t['allow'];
  if (allow !== undefined) {
    if (!Array.isArray(allow)) throw policyError('`allow` must be an array of tables ([[tool.pylock-attest.allow]])', source, where('allow'));
    policy.allow = allow.map((raw, i) => readRule(raw, (...rest) => where('allow', i, ...rest) ?? where('allow'), source));
  }
  return policy;
}

function nameList(raw: unknown, key: string, source: string, line: number | undefined): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw policyError(`\`${key}\` must be a list of package names or globs`, source, line, `for example ${key} = ["*"] or ["requests", "django-*"]`);
  }
  return raw.map((v) => normalizePattern(v as string));
}

function severities(raw: unknown, source: string, where: (...rest: KeyPath) => number | undefined): Policy['severity'] {
  if (raw === undefined) return {};
  const t = table(raw);
  if (!t) throw policyError('`severity` must be a table of category = "error" | "warning" | "info"', source, where('severity'));
  const out: Policy['severity'] = {};
  for (const [key, value] of Object.entries(t)) {
    const category = POLICY_CATEGORIES.find((c) => c === key);
    if (!category) throw policyError(`unknown finding category \`${key}\``, source, where('severity', key), `categories: ${POLICY_CATEGORIES.join(', ')}`);
    const severity = SEVERITIES.find((s) => s === value);
    if (!severity) throw policyError(`severity of \`${key}\` must be "error", "warning" or "info"`, source, where('severity', key));
    out[category] = severity;
  }
  return out;
}

function readRule(raw: unknown, where: (...rest: KeyPath) => number | undefined, source: string): AllowRule {
  const t = table(raw);
  if (!t) throw policyError('each `allow` entry must be a table', source, where());
  for (const key of Object.keys(t)) {
    if (!RULE_KEYS.has(key)) throw policyError(`unknown allowance key \`${key}\``, source, where(key), `known keys: ${[...RULE_KEYS].join(', ')}`);
  }
  const fail = (message: string, key?: string, hint?: string) => policyError(message, source, key ? (where(key) ?? where()) : where(), hint);
  const pkg = t['package'];
  if (typeof pkg !== 'string' || pkg.trim() === '') throw fail('an allowance needs `package` (a name or glob)', 'package');
  const reason = t['reason'];
  if (typeof reason !== 'string' || reason.trim() === '') throw fail('an allowance needs a `reason`: why this change is accepted', 'reason');
  const rule: AllowRule = { package: normalizePattern(pkg), reason, expires: readDate(t['expires'], fail), source, line: where() ?? 0 };
  if (t['category'] !== undefined) {
    const category = ALLOWABLE.find((c) => c === t['category']);
    if (!category) throw fail(`\`category\` must be one of ${ALLOWABLE.join(', ')}`, 'category');
    rule.category = category;
  }
  if (t['file'] !== undefined) {
    const file = t['file'];
    if (typeof file !== 'string' || file.trim() === '' || /[/\\]/.test(file))
      throw fail('`file` must be a distribution filename or glob (no directory)', 'file', 'for example file = "example-1.0.tar.gz" or "example-*.tar.gz"');
    rule.file = file;
  }
  if (t['from'] !== undefined) rule.from = identityPattern(t['from'], 'from', fail);
  if (t['to'] !== undefined) rule.to = identityPattern(t['to'], 'to', fail);
  if (!rule.category && !rule.from && !rule.to) {
    throw fail(
      'an allowance must name the transition it accepts: `from`, `to` or `category`',
      undefined,
      'to silence a package entirely, list it under `ignore`',
    );
  }
  return rule;
}

function readDate(raw: unknown, fail: (m: string, key?: string, hint?: string) => PylockAttestError): string {
  const hint = 'write expires = 2026-12-31 (a TOML date) or "2026-12-31"';
  if (raw === undefined) throw fail('an allowance needs an `expires` date', undefined, hint);
  const text = raw instanceof TomlDate && raw.isDate() ? raw.toISOString() : typeof raw === 'string' ? raw : undefined;
  const m = text === undefined ? null : DATE.exec(text);
  const valid = m !== null && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text!);
  if (!valid) throw fail('`expires` must be a date (YYYY-MM-DD)', 'expires', hint);
  return text!;
}

function identityPattern(raw: unknown, key: string, fail: (m: string, key?: string, hint?: string) => PylockAttestError): Record<string, IdentityValue> {
  const t = table(raw);
  const hint = `for example ${key} = { kind = "GitHub", repository = "owner/name", workflow = "release.yml" }`;
  if (!t || Object.keys(t).length === 0) throw fail(`\`${key}\` must be a table of identity fields`, key, hint);
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw fail(`\`${key}.${k}\` must be a string`, key, hint);
  }
  return t as Record<string, IdentityValue>;
}

function policyError(message: string, file: string, line: number | undefined, hint?: string): PylockAttestError {
  return new PylockAttestError('POLICY', message, { file, line, hint: hint ?? 'see docs/audit.md, "Policy"' });
}

/** Lines of keys and `[[array]]` entries by path, from our scanner. Best effort: unknown → undefined. */
export function tomlLines(text: string): LineOf {
  const lines = new Map<string, number>();
  try {
    const counts = new Map<string, number>();
    let table: KeyPath = [];
    for (const s of scanToml(text)) {
      if (s.kind === 'keyvalue') {
        setOnce(lines, [...table, ...s.path], s.line);
        continue;
      }
      table = s.path;
      if (s.kind === 'array-table') {
        const key = JSON.stringify(s.path);
        const n = counts.get(key) ?? 0;
        counts.set(key, n + 1);
        table = [...s.path, n];
      }
      setOnce(lines, table, s.line);
    }
  } catch {
    // Shapes the scanner refuses: errors go without a line.
  }
  return (path) => lines.get(JSON.stringify(path));
}

function setOnce(lines: Map<string, number>, path: KeyPath, line: number): void {
  const key = JSON.stringify(path);
  if (!lines.has(key)) lines.set(key, line);
}

function table(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? (v as Record<string, unknown>) : undefined;
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

/** Patterns are normalized like names, so `Django_*` and `django-*` are the same pattern. */
function normalizePattern(pattern: string): string {
  return normalizeProjectName(pattern.trim());
}

/** `*` is any run of characters, `?` one; everything else literal. On PEP 503-normalized names. */
export function matchesName(pattern: string, name: string): boolean {
  return matchesGlob(pattern, normalizeProjectName(name));
}

/** The same globs over a filename as uploaded: exact, case-sensitive (the index looks files up that way). */
function matchesFile(pattern: string, filename: string): boolean {
  return matchesGlob(pattern, filename);
}

function matchesGlob(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text);
}

export function isRequired(policy: Policy, name: string): boolean {
  return policy.requireAttestations.some((p) => matchesName(p, name));
}

function isIgnored(policy: Policy, name: string): boolean {
  return policy.ignore.some((p) => matchesName(p, name));
}

/** Every key of the pattern equals the identity's (`""` meaning absent, as in identities). */
function identityMatches(pattern: Record<string, IdentityValue>, identity: Identity): boolean {
  return Object.entries(pattern).every(([k, v]) => (v === '' ? identity[k] === undefined || identity[k] === '' : identity[k] === v));
}

/**
 * Does this rule accept this finding? `from` must match one of the old
 * identities; `to` must match every identity that is new (so A→B never
 * accepts A→{B, C}). A removal is accepted only by a rule that says
 * `category = "identity-removed"`: the litellm case is never allowed by accident.
 */
export function ruleMatches(rule: AllowRule, f: Finding): boolean {
  if (!matchesName(rule.package, f.package)) return false;
  if (rule.category !== undefined && rule.category !== f.category) return false;
  if (rule.file !== undefined && (f.file === undefined || !matchesFile(rule.file, f.file))) return false;
  if (f.category === 'identity-removed' && rule.category !== 'identity-removed') return false;
  if (rule.from && !(f.old ?? []).some((i) => identityMatches(rule.from!, i))) return false;
  if (rule.to) {
    const oldKeys = new Set(normalizeIdentitySet(f.old ?? []).map(identityKey));
    const added = normalizeIdentitySet(f.new ?? []).filter((i) => !oldKeys.has(identityKey(i)));
    if (added.length === 0 || !added.every((i) => identityMatches(rule.to!, i))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------

/** `now` as the UTC calendar date an allowance is compared with. */
export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function isExpired(rule: AllowRule, now: Date): boolean {
  return utcDate(now) > rule.expires;
}

/**
 * Policy over findings: ignored packages dropped, severities set (overrides,
 * then `require-attestations`), allowances marked, and one finding per
 * expired allowance. An expired allowance accepts nothing.
 */
export function applyPolicy(findings: readonly Finding[], policy: Policy, now: Date): Finding[] {
  return sortFindings([...judgeFindings(findings, policy, now), ...expiredAllowanceFindings(policy, now)]);
}

/** `applyPolicy` without the expiry findings and the sort: for one lockfile of a run that reports expiry once. */
export function judgeFindings(findings: readonly Finding[], policy: Policy, now: Date): Finding[] {
  const live = policy.allow.filter((r) => !isExpired(r, now));
  const kept = findings.filter((f) => f.category === 'allowance-expired' || !isIgnored(policy, f.package));
  return kept.map((f) => judge(f, policy, live));
}

/** One `allowance-expired` finding per allowance past its date, at its line in the policy file. */
export function expiredAllowanceFindings(policy: Policy, now: Date): Finding[] {
  return policy.allow.filter((r) => isExpired(r, now)).map((r) => judge(expiredFinding(r), policy, []));
}

/** The live allowance that accepts this finding, as the finding cites it; undefined when none does. */
export function allowanceFor(policy: Policy, now: Date, f: Finding): Allowance | undefined {
  const rule = policy.allow.find((r) => !isExpired(r, now) && ruleMatches(r, f));
  return rule === undefined ? undefined : citation(rule);
}

function judge(f: Finding, policy: Policy, live: readonly AllowRule[]): Finding {
  let severity = f.category === 'unavailable' ? f.severity : (policy.severity[f.category] ?? f.severity);
  if (f.category === 'new-package-unattested' && isRequired(policy, f.package)) severity = 'error';
  const out: Finding = { ...f, severity };
  const rule = f.category === 'allowance-expired' || f.category === 'unavailable' ? undefined : live.find((r) => ruleMatches(r, f));
  if (rule) {
    out.allowed = true;
    out.allowance = citation(rule);
  }
  return out;
}

function citation(rule: AllowRule): Allowance {
  return { reason: rule.reason, expires: rule.expires, source: rule.source, line: rule.line };
}

function expiredFinding(rule: AllowRule): Finding {
  const what = rule.file !== undefined ? `${rule.package} (file ${rule.file})` : rule.package;
  const message = `the allowance for ${what} expired on ${rule.expires} (reason: ${rule.reason}); review the change, then renew or remove it`;
  return auditFinding({ category: 'allowance-expired', package: rule.package, version: undefined, path: rule.source, line: rule.line, message });
}
