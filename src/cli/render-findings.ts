import type { AuditResult } from '../app/audit-result.js';
import type { Colors } from './terminal-text.js';

export const AUDIT_FORMATS = ['text', 'json', 'markdown', 'github', 'sarif'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** The report for `check` and `diff` in the format asked for; each renderer is loaded only when used. */
export async function renderFindings(result: AuditResult, format: AuditFormat, colors: Colors): Promise<string> {
  switch (format) {
    case 'json':
      return (await import('./report/json.js')).renderAuditJson(result);
    case 'markdown':
      return (await import('./report/markdown.js')).renderAuditMarkdown(result);
    case 'github':
      return (await import('./report/github.js')).renderAuditGithub(result);
    case 'sarif':
      return (await import('./report/sarif.js')).renderAuditSarif(result);
    case 'text':
      return (await import('./report/text.js')).renderAuditText(result, colors);
  }
}
