import type { AuditLockfile, AuditResult } from '../../app/audit-result.js';
import { describeSet } from '../../core/findings.js';
import type { Finding } from '../../core/outcome.js';
import { safeLines, safeText, type Colors } from '../terminal-text.js';

/** Grouped by file (lockfile, or policy file for expired allowances), errors first; colour only when the caller says so (a TTY). */
export function renderAuditText(result: AuditResult, c: Colors): string {
  const out: string[] = [];
  const groups = groupByPath(result.findings);
  for (const lock of result.lockfiles) {
    out.push(...lockfileHeader(lock, c));
    out.push(...(groups.get(lock.path) ?? []).flatMap((f) => findingLines(f, c)));
    groups.delete(lock.path);
    out.push('');
  }
  for (const [path, findings] of groups) out.push(c.bold(safeText(path)), ...findings.flatMap((f) => findingLines(f, c)), '');
  out.push(summaryLine(result, c));
  return out.join('\n') + '\n';
}

function groupByPath(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.path ?? '', [...(groups.get(f.path ?? '') ?? []), f]);
  return groups;
}

function lockfileHeader(lock: AuditLockfile, c: Colors): string[] {
  const base = lock.base === undefined ? '' : c.dim(` (compared with ${safeText(lock.base)}${lock.baseAbsent ? ', where it does not exist yet: every package is new' : ''})`);
  const lines = [`${c.bold(safeText(lock.path))}${base}`];
  if (lock.error) lines.push(`  ${c.red('error')} ${safeLines(lock.error.message)}`);
  return lines;
}

function findingLines(f: Finding, c: Colors): string[] {
  const what = `${f.category}${f.subkind ? `/${f.subkind}` : ''}`;
  const pkg = safeText(f.version !== undefined ? `${f.package} ${f.version}` : f.package, 120);
  const lines = [`  ${tag(f, c)} ${c.bold(what)} ${pkg}${f.line > 0 ? c.dim(` (line ${f.line})`) : ''}`];
  lines.push(`          ${safeText(f.message, 600)}`);
  if (f.old !== undefined && f.new !== undefined && f.category !== 'mixed-publishers') {
    lines.push(`          ${c.dim('was')} ${safeText(describeSet(f.old), 600)}`, `          ${c.dim('now')} ${safeText(describeSet(f.new), 600)}`);
  }
  if (f.allowance) lines.push(`          ${c.green('accepted')} until ${f.allowance.expires} by ${safeText(f.allowance.source)}:${f.allowance.line}: ${safeText(f.allowance.reason, 300)}`);
  return lines;
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
  const mode = result.online ? `${result.requests} requests` : 'offline, no network';
  const policy = result.policy !== undefined ? `; policy ${safeText(result.policy)}` : '';
  const verdict = result.exitCode === 0 ? c.green('ok') : c.red(`exit ${result.exitCode}`);
  return `${verdict}: ${counts} (${mode}${policy})`;
}
