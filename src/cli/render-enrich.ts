import type { EnrichResult, LockfileResult } from '../app/enrich.js';
import { describeClaims } from '../core/identity.js';
import { SKIP_REASONS } from '../core/lockfile.js';
import type { Finding, PackageOutcome } from '../core/outcome.js';
import { safeLines, safeText, type Colors } from './terminal-text.js';

/** What the text report reads: an enrich result, or a refresh result (the same run with an outcome). */
export type EnrichReport = Pick<EnrichResult, 'verified' | 'lockfiles' | 'requests' | 'policy' | 'policyFindings'>;

/** One line per package, then a summary per lockfile, then the policy's own findings. */
export function renderEnrichText(result: EnrichReport, c: Colors): string {
  const out: string[] = [];
  if (!result.verified) out.push(c.red(c.bold('WARNING: --no-verify: identities below are the index\'s UNVERIFIED claims. Nothing was checked cryptographically.')), '');
  for (const lock of result.lockfiles) out.push(...renderLockfile(lock, result, c), '');
  if (result.policyFindings?.length) out.push(c.bold(safeText(result.policy ?? 'policy')), ...result.policyFindings.map((f) => findingLine(f, c)), '');
  return out.join('\n');
}

function findingLine(f: Finding, c: Colors): string {
  const tag = f.severity === 'error' && !f.allowed ? c.red('error') : c.yellow(f.allowed ? 'allowed' : f.severity);
  const why = f.allowance ? c.dim(` [allowed by ${safeText(f.allowance.source)}:${f.allowance.line} until ${f.allowance.expires}: ${safeText(f.allowance.reason, 200)}]`) : '';
  return `  ${tag} ${f.category}${f.subkind ? `/${f.subkind}` : ''}: ${safeText(f.package)} (line ${f.line}): ${safeText(f.message, 600)}${why}`;
}

function renderLockfile(lock: LockfileResult, result: EnrichReport, c: Colors): string[] {
  const lines = [c.bold(safeText(lock.path))];
  for (const w of lock.warnings) lines.push(`  ${c.yellow('warning')} ${safeText(w)}`);
  const width = Math.min(40, Math.max(0, ...lock.packages.map((p) => label(p).length)));
  for (const pkg of lock.packages) lines.push(`  ${label(pkg).padEnd(width)}  ${statusText(pkg, c)}`);
  for (const f of lock.findings.filter((f) => f.severity !== 'info')) lines.push(findingLine(f, c));
  const failing = [...new Set(lock.findings.filter((f) => f.severity === 'error' && !f.allowed).map((f) => f.category))];
  if (failing.length > 0) lines.push(`  ${c.dim(`what it means and what to do: ${failing.map((k) => `docs/audit.md#${k}`).join(', ')}`)}`);
  if (lock.error) lines.push(`  ${c.red('error')} ${errorText(lock.error.message)}`);
  lines.push(`  ${summary(lock, result)}`);
  return lines;
}

/** An error's `describe()` text: its hint on a line of its own, every part escaped. */
function errorText(message: string): string {
  const [main = '', ...hints] = message.split('\n  hint: ');
  return [safeText(main, 2000), ...hints.map((h) => `    hint: ${safeText(h, 500)}`)].join('\n');
}

function label(pkg: PackageOutcome): string {
  return safeText(pkg.version !== undefined ? `${pkg.name} ${pkg.version}` : pkg.name, 60);
}

function statusText(pkg: PackageOutcome, c: Colors): string {
  // --no-verify says once, loudly, that everything is a claim; otherwise mark the keys only the index vouches for.
  const claimed = (n: number) => (pkg.status === 'unverified' ? [] : (pkg.unverifiedKeys?.[n] ?? []));
  const who = pkg.identities.map((identity, n) => safeText(describeClaims(identity, claimed(n)))).join('; ');
  const action = pkg.action === 'kept' ? c.red(' [CHANGED: recorded identity kept]') : pkg.action === 'none' || pkg.action === 'unchanged' ? '' : c.dim(` [${pkg.action}]`);
  switch (pkg.status) {
    case 'verified':
      return `${c.green('verified')}       ${who}${action}`;
    case 'unverified':
      return `${c.yellow('UNVERIFIED')}     ${who}${action}`;
    case 'no-provenance':
      return `${c.dim('no provenance')}${pkg.recorded?.length ? c.red(' (identities recorded!)') : ''}`;
    case 'partial':
      return partialText(pkg, who, c);
    case 'skipped':
      return c.dim(`skipped (${SKIP_REASONS[pkg.skip ?? 'no-files']})`);
    default: {
      const bad = pkg.files.find((f) => f.status === pkg.status);
      return `${c.red(pkg.status)}  ${bad === undefined ? '' : `${safeText(bad.filename, 120)}: ${safeText(bad.detail ?? '', 400)}`}`;
    }
  }
}

/** Never "verified": an identity would vouch for the unattested files too. */
function partialText(pkg: PackageOutcome, who: string, c: Colors): string {
  if (pkg.action === 'added' || pkg.action === 'updated') {
    return `${c.yellow('partial')}        ${who} [${pkg.action}: the unattested files are accepted by a policy allowance]`;
  }
  const missing = pkg.files.filter((f) => f.status === 'no-provenance').length;
  const kept = pkg.recorded?.length ? 'recorded identity kept' : 'no identity recorded';
  return `${c.red('partial')}        ${missing} of ${pkg.files.length} files have no provenance: ${kept}`;
}

function summary(lock: LockfileResult, result: EnrichReport): string {
  const counts = new Map<string, number>();
  for (const p of lock.packages) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  const parts = [...counts.entries()].map(([s, n]) => `${n} ${s}`);
  const state = lock.error ? 'not written' : lock.written ? 'written' : lock.changed ? 'would change (dry run)' : 'unchanged';
  const files = lock.packages.reduce((n, p) => n + p.files.length, 0);
  return `${lock.packages.length} packages, ${files} files: ${parts.join(', ') || 'nothing to do'}; ${state}${result.requests ? `; ${result.requests} requests` : ''}`;
}

/** The JSON report: the result minus the new file text (callers of the library get that). */
export function renderEnrichJson(result: EnrichReport): string {
  const json = JSON.stringify(result, (key, value: unknown) => (key === 'newText' ? undefined : value), 2);
  // JSON.stringify leaves C1 controls and bidi overrides raw; a report read in a terminal must not carry them.
  return json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}
