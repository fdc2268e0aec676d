import type { AuditLockfile, AuditResult } from '../../app/audit-result.js';
import type { Finding } from '../../core/outcome.js';
import { nextStep } from '../explanations.js';
import { fileLine, type FileDetails, type TextReport } from '../render-enrich.js';
import { errorLines, safeText, type Colors } from '../terminal-text.js';

/**
 * Grouped by file (lockfile, or policy file for expired allowances), errors
 * first, one line per finding ending in its next step, then one summary
 * line; a lockfile that could not be audited is an error on stderr. Colour
 * only when the caller says so. --quiet: failing findings only, and no
 * summary when all is well.
 */
export function renderAuditText(
  result: AuditResult,
  c: { out: Colors; err: Colors },
  view: { quiet: boolean; files?: FileDetails } = { quiet: false },
): TextReport {
  const out: string[] = [];
  const err = result.lockfiles.filter((l) => l.error).map((l) => errorLines(l.error!, c.err));
  const groups = groupByPath(result.findings.filter((f) => !view.quiet || f.severity !== 'info'));
  for (const lock of result.lockfiles) {
    const findings = groups.get(lock.path) ?? [];
    groups.delete(lock.path);
    if (view.quiet && findings.length === 0) continue;
    if (lock.error && findings.length === 0) continue;
    // --verbose (online): every file the index was asked about, after the findings.
    const files = view.files
      ? view.files.reports
          .filter((r) => r.lockfile === lock.path)
          .map((r) => `  ${safeText(r.version !== undefined ? `${r.package} ${r.version}` : r.package, 120)} ${fileLine(r, view.files!, c.out)}`)
      : [];
    out.push(lockfileHeader(lock, c.out), ...findingLines(findings, lock.path, c.out), ...files, '');
  }
  for (const [path, findings] of groups) out.push(c.out.bold(safeText(path)), ...findingLines(findings, path, c.out), '');
  if (!view.quiet || result.exitCode !== 0) out.push(summaryLine(result, c.out));
  return { stdout: out.length > 0 ? out.join('\n') + '\n' : '', stderr: err.map((l) => `${l}\n`).join('') };
}

function groupByPath(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.path ?? '', [...(groups.get(f.path ?? '') ?? []), f]);
  return groups;
}

function lockfileHeader(lock: AuditLockfile, c: Colors): string {
  const base =
    lock.base === undefined
      ? ''
      : c.dim(` (compared with ${safeText(lock.base)}${lock.baseAbsent ? ', where it does not exist yet: every package is new' : ''})`);
  return `${c.bold(safeText(lock.path))}${base}`;
}

/** One line per finding; files the index could not answer for are one line however many there were (the cause is the same). */
function findingLines(findings: readonly Finding[], path: string, c: Colors): string[] {
  const unavailable = findings.filter((f) => f.category === 'unavailable' && !f.allowed);
  const lines = findings.filter((f) => !unavailable.includes(f)).map((f) => findingLine(f, path, c));
  if (unavailable.length > 1) {
    const first = unavailable[0]!;
    const what = `the index could not answer for ${unavailable.length} files (first: ${first.package}${first.version !== undefined ? ` ${first.version}` : ''}: ${first.message.replace(/^the index could not answer: /, '')})`;
    lines.push(`  ${tag(first, c)} ${c.bold('unavailable')} ${safeText(what, 600)} ${c.dim(`→ ${nextStep('unavailable', path)}`)}`);
  } else if (unavailable.length === 1) {
    lines.push(findingLine(unavailable[0]!, path, c));
  }
  return lines;
}

/** `error   publisher-changed/repository attrs 25.1.0 (line 7): recorded …; now … → confirm the new publisher upstream …` */
function findingLine(f: Finding, path: string, c: Colors): string {
  const what = `${f.category}${f.subkind ? `/${f.subkind}` : ''}`;
  const pkg = safeText(f.version !== undefined ? `${f.package} ${f.version}` : f.package, 120);
  const where = f.line > 0 ? c.dim(` (line ${f.line})`) : '';
  const then = f.allowance
    ? c.green(` [accepted until ${f.allowance.expires} by ${safeText(f.allowance.source)}:${f.allowance.line}: ${safeText(f.allowance.reason, 300)}]`)
    : f.severity === 'info'
      ? ''
      : c.dim(` → ${safeText(nextStep(f.category, path), 300)}`);
  return `  ${tag(f, c)} ${c.bold(what)} ${pkg}${where}: ${safeText(f.message, 600)}${then}`;
}

/** Padded before colouring, so columns line up with or without colour. */
function tag(f: Finding, c: Colors): string {
  const word = f.allowed ? 'allowed' : f.severity;
  const paint = f.allowed ? c.green : f.severity === 'error' ? c.red : f.severity === 'warning' ? c.yellow : c.dim;
  return paint(word.padEnd(7));
}

function summaryLine(result: AuditResult, c: Colors): string {
  const s = result.summary;
  const counts = `${s.error} ${s.error === 1 ? 'error' : 'errors'}, ${s.warning} ${s.warning === 1 ? 'warning' : 'warnings'}, ${s.info} info, ${s.allowed} allowed`;
  const mode = result.online ? `${result.requests} ${result.requests === 1 ? 'request' : 'requests'}` : 'offline, no network';
  const policy = result.policy !== undefined ? `; policy ${safeText(result.policy)}` : '';
  const verdict = result.exitCode === 0 ? c.green('ok') : c.red(`exit ${result.exitCode}`);
  return `${verdict}: ${counts} (${mode}${policy})`;
}
