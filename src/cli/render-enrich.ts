import type { EnrichResult, LockfileResult } from '../app/enrich.js';
import type { FileReport } from '../app/evaluate.js';
import { SKIP_REASONS } from '../core/lockfile.js';
import { describeProven, type Finding, type PackageOutcome } from '../core/outcome.js';
import { errorLines, jsonText, safeText, type Colors } from './terminal-text.js';

/** What the text report reads: an enrich result, or a refresh or lock result (the same run with more on top). */
export type EnrichReport = Pick<EnrichResult, 'verification' | 'lockfiles' | 'requests' | 'policy' | 'policyFindings'>;

/** How much to show, and the per-file detail --verbose collected during the run. */
export interface EnrichView {
  quiet: boolean;
  verbose: boolean;
  files?: FileDetails;
}

/** --verbose: what happened to each file, and which URLs went to the network (the rest came from the cache). */
export interface FileDetails {
  reports: FileReport[];
  requested: ReadonlySet<string>;
}

/** The text report on stdout; its errors and warnings, for stderr. */
export interface TextReport {
  stdout: string;
  stderr: string;
}

/**
 * Per lockfile: the packages that changed or need a look (every package with
 * --verbose, with its files), their findings, a count of the rest, and one
 * summary line; with --quiet, only findings. Errors and warnings go to stderr.
 */
export function renderEnrichText(result: EnrichReport, c: { out: Colors; err: Colors }, view: EnrichView): TextReport {
  const out: string[] = [];
  const err: string[] = [];
  for (const lock of result.lockfiles) {
    err.push(...diagnostics(lock, c.err));
    const lines = renderLockfile(lock, result, c.out, view);
    if (lines.length > 0) out.push(...lines, '');
  }
  const policyFindings = result.policyFindings ?? [];
  if (policyFindings.length > 0)
    out.push(c.out.bold(safeText(result.policy ?? 'policy')), ...policyFindings.map((f) => findingLine(f, c.out)), ...explainLine(policyFindings, c.out), '');
  return { stdout: out.join('\n'), stderr: err.map((l) => `${l}\n`).join('') };
}

/** A lockfile's warnings and its error (with the hint on a line of its own), for stderr. */
function diagnostics(lock: LockfileResult, c: Colors): string[] {
  // lock's warnings already name where (`requirements.txt:3: …`); a lockfile's own do not.
  const lines = lock.warnings.map((w) => `${c.yellow('warning')}: ${/^[^\s:]+(:\d+)*: /.test(w) ? '' : `${safeText(lock.path)}: `}${safeText(w, 2000)}`);
  if (lock.error) lines.push(errorLines(lock.error, c));
  return lines;
}

function renderLockfile(lock: LockfileResult, result: EnrichReport, c: Colors, view: EnrichView): string[] {
  // Findings about files the index could not answer for repeat the lockfile's error (on stderr): said once there.
  const findings = lock.findings.filter((f) => f.severity !== 'info' && f.category !== 'unavailable');
  if (view.quiet) return findings.length > 0 ? [c.bold(safeText(lock.path)), ...findings.map((f) => findingLine(f, c)), ...explainLine(findings, c)] : [];
  if (lock.error && lock.packages.length === 0) return [];
  const shown = view.verbose ? lock.packages : lock.packages.filter(remarkable);
  const width = Math.min(40, Math.max(0, ...shown.map((p) => label(p).length)));
  const lines = [c.bold(safeText(lock.path))];
  for (const pkg of shown) {
    lines.push(`  ${label(pkg).padEnd(width)}  ${statusText(pkg, c)}`);
    if (view.files) lines.push(...fileLines(lock.path, pkg, view.files, c));
  }
  lines.push(...findings.map((f) => findingLine(f, c)), ...explainLine(findings, c));
  const rest = lock.packages.filter((p) => !shown.includes(p));
  // With nothing else shown, the summary line says it all.
  if (rest.length > 0 && shown.length > 0)
    lines.push(
      `  ${c.dim(`… ${rest.length} more ${rest.length === 1 ? 'package' : 'packages'} with nothing to report (${statusCounts(rest)}); --verbose lists every package`)}`,
    );
  lines.push(`  ${summary(lock, result)}`);
  return lines;
}

/**
 * Worth a line of its own: anything written or kept against the index, anything that failed or is
 * only partly attested. A package the index could not answer for is not: the cause is the
 * lockfile's one error, and a run without network must not print a line per package.
 */
function remarkable(pkg: PackageOutcome): boolean {
  if (pkg.status === 'unavailable') return false;
  if (pkg.action !== 'none' && pkg.action !== 'unchanged' && pkg.action !== 'kept') return true;
  if (pkg.findings.some((f) => f.severity !== 'info')) return true;
  return !['verified', 'unverified', 'no-provenance', 'skipped'].includes(pkg.status) || (pkg.status === 'no-provenance' && (pkg.recorded?.length ?? 0) > 0);
}

function findingLine(f: Finding, c: Colors): string {
  const tag = f.severity === 'error' && !f.allowed ? c.red('error') : c.yellow(f.allowed ? 'allowed' : f.severity);
  const why = f.allowance
    ? c.dim(` [allowed by ${safeText(f.allowance.source)}:${f.allowance.line} until ${f.allowance.expires}: ${safeText(f.allowance.reason, 200)}]`)
    : '';
  return `  ${tag} ${f.category}${f.subkind ? `/${f.subkind}` : ''}: ${safeText(f.package)} (line ${f.line}): ${safeText(f.message, 600)}${why}`;
}

/** Where the failing findings are explained: `pylock-attest explain <category>`, shipped with the package. */
function explainLine(findings: readonly Finding[], c: Colors): string[] {
  const failing = [...new Set(findings.filter((f) => f.severity === 'error' && !f.allowed).map((f) => f.category))];
  if (failing.length === 0) return [];
  return [`  ${c.dim(`what it means and what to do: ${failing.map((k) => `pylock-attest explain ${k}`).join('; ')}`)}`];
}

/** --verbose: one line per file of the package. */
function fileLines(path: string, pkg: PackageOutcome, details: FileDetails, c: Colors): string[] {
  const mine = details.reports.filter((r) => r.lockfile === path && r.package === pkg.name && r.version === pkg.version);
  return mine.map((r) => `      ${fileLine(r, details, c)}`);
}

/** One file: its answer, the URL asked, from the network or the cache (or an outcome kept from an earlier run), and the time taken. */
export function fileLine(r: FileReport, details: FileDetails, c: Colors): string {
  const from = r.reused
    ? 'outcome kept from an earlier run'
    : r.url === undefined
      ? 'not asked'
      : details.requested.has(r.url)
        ? `asked ${safeText(r.url, 300)}`
        : `answered from the cache for ${safeText(r.url, 300)}`;
  const times = r.reused ? '' : `; lookup ${r.lookupMs} ms${r.verifyMs > 0 ? `, verification ${r.verifyMs} ms` : ''}`;
  const detail = r.detail === undefined ? '' : `: ${safeText(r.detail, 400)}`;
  return c.dim(`${safeText(r.filename, 120)}: ${r.status}${detail}; ${from}${times}`);
}

function label(pkg: PackageOutcome): string {
  return safeText(pkg.version !== undefined ? `${pkg.name} ${pkg.version}` : pkg.name, 60);
}

function statusText(pkg: PackageOutcome, c: Colors): string {
  // --no-verify says once, loudly, that everything is a claim; otherwise mark the keys only the index vouches for.
  const who = pkg.identities.map((identity) => safeText(describeProven([identity], pkg))).join('; ');
  const action =
    pkg.action === 'kept' ? c.red(' [CHANGED: recorded identity kept]') : pkg.action === 'none' || pkg.action === 'unchanged' ? '' : c.dim(` [${pkg.action}]`);
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
    case 'unavailable':
      // The cause is the lockfile's error, printed once (stderr); --verbose shows each file's.
      return `${c.red('unavailable')}  the index could not answer`;
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

const STATUS_WORDS: Readonly<Record<string, string>> = {
  verified: 'verified',
  unverified: 'UNVERIFIED (--no-verify)',
  'no-provenance': 'without provenance',
  skipped: 'skipped',
  partial: 'partially attested',
  unavailable: 'not answered by the index (see the error)',
  invalid: 'failing verification',
  'index-mismatch': 'not matching the index',
};

/** `1 skipped, 1 without provenance`, in the order the packages come. */
function statusCounts(packages: readonly PackageOutcome[]): string {
  const counts = new Map<string, number>();
  for (const p of packages) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${n} ${STATUS_WORDS[s] ?? s}`).join(', ');
}

/** `4 packages verified, 1 skipped, 1 without provenance`: the first count says what every count counts. */
function countText(packages: readonly PackageOutcome[]): string {
  const text = statusCounts(packages);
  const first = text.indexOf(' ');
  const n = Number(text.slice(0, first));
  return `${text.slice(0, first)} ${n === 1 ? 'package' : 'packages'}${text.slice(first)}`;
}

/** `6 packages, 7 files: 4 packages verified, 1 skipped, 1 without provenance; written; 10 requests`. */
function summary(lock: LockfileResult, result: EnrichReport): string {
  const state = lock.error ? 'not written' : lock.written ? 'written' : lock.changed ? 'would change (dry run)' : 'unchanged';
  const files = lock.packages.reduce((n, p) => n + p.files.length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const counts = lock.packages.length > 0 ? countText(lock.packages) : 'nothing to do';
  return `${plural(lock.packages.length, 'package')}, ${plural(files, 'file')}: ${counts}; ${state}; ${plural(result.requests, 'request')}`;
}

/** The JSON report: the result minus the new file text (callers of the library get that). */
export function renderEnrichJson(result: EnrichReport): string {
  return jsonText(result, (key, value: unknown) => (key === 'newText' ? undefined : value));
}
