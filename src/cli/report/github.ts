import type { AuditResult } from '../../app/audit-result.js';
import type { Finding } from '../../core/outcome.js';

/**
 * GitHub Actions workflow commands, one per finding, so findings annotate
 * the lines of the PR diff: `::error file=…,line=…,title=…::message`.
 * Escaping as @actions/core does; values come from the index, and an
 * unescaped newline would let them issue workflow commands of their own.
 */
export function renderAuditGithub(result: AuditResult): string {
  const lines: string[] = [];
  for (const lock of result.lockfiles) {
    if (lock.error) lines.push(command('error', { file: lock.path, title: `pylock-attest: ${lock.error.code}` }, lock.error.message));
  }
  for (const f of result.findings) lines.push(findingCommand(f));
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

function findingCommand(f: Finding): string {
  const level = f.allowed ? 'notice' : f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
  const props: Record<string, string> = { file: f.path ?? '' };
  if (f.line > 0) props['line'] = String(f.line);
  props['title'] = `${f.category}${f.subkind ? `/${f.subkind}` : ''}: ${f.package}${f.allowed ? ' (allowed)' : ''}`;
  const message = f.allowance ? `${f.message} [accepted until ${f.allowance.expires}: ${f.allowance.reason}]` : f.message;
  return command(level, props, message);
}

function command(level: string, props: Record<string, string>, message: string): string {
  const list = Object.entries(props)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${level} ${list}::${escapeData(message)}`;
}

/** Other control characters would reach the log viewer: shown escaped, like safeText does. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The message: `%`, CR and LF, as @actions/core's escapeData. */
export function escapeData(s: string): string {
  return visible(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value: also `:` and `,`, as @actions/core's escapeProperty. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
