import type { AuditResult } from '../../app/audit-result.js';
import { describeSet } from '../../core/findings.js';
import type { Finding } from '../../core/outcome.js';

/**
 * A GitHub-flavoured Markdown table, ready for a PR body or a CI job summary.
 * Identity values come from the index (attacker-controlled): every cell is
 * escaped so it cannot end the cell, add a row, or become a link or HTML.
 */
export function renderAuditMarkdown(result: AuditResult): string {
  const s = result.summary;
  const out = [`### pylock-attest ${result.command}: ${s.error} error(s), ${s.warning} warning(s), ${s.info} info, ${s.allowed} allowed`, ''];
  for (const lock of result.lockfiles) {
    if (lock.error) out.push(`**error** in ${cell(lock.path)}: ${cell(lock.error.message)}`, '');
  }
  if (result.findings.length === 0) {
    out.push('No findings.', '');
    return out.join('\n');
  }
  out.push('| severity | finding | package | version | location | before | after | details |', '|---|---|---|---|---|---|---|---|');
  for (const f of result.findings) out.push(row(f));
  out.push('');
  return out.join('\n');
}

function row(f: Finding): string {
  const severity = f.allowed ? `${f.severity} (allowed until ${f.allowance?.expires ?? '?'})` : f.severity;
  const finding = f.subkind ? `${f.category} (${f.subkind})` : f.category;
  const where = f.line > 0 ? `${f.path ?? ''}:${f.line}` : (f.path ?? '');
  const details = f.allowance ? `${f.message}. Accepted: ${f.allowance.reason}` : f.message;
  const cells = [severity, finding, f.package, f.version ?? '', where, f.old ? describeSet(f.old) : '', f.new ? describeSet(f.new) : '', details];
  return `| ${cells.map(cell).join(' | ')} |`;
}

/**
 * Backslash-escapes what could end the cell (`|`), open a link, image, code
 * span, emphasis or HTML tag, start an entity, or @-mention someone; newlines become spaces.
 * (CommonMark allows a backslash before any ASCII punctuation.)
 */
export function cell(value: string): string {
  return value
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[\\`*_[\]<>|~&@]/g, '\\$&');
}
