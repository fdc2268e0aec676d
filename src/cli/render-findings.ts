import type { AuditResult } from '../app/audit-result.js';
import type { CliContext } from './context.js';
import type { ArgsOf } from './options.js';
import type { FileDetails } from './render-enrich.js';

/** The formats `--format` offers check and diff (the options table's choices). */
export type AuditFormat = ArgsOf<'check'>['format'];

/**
 * The report for `check` and `diff` in the format asked for; each renderer is
 * loaded only when used. A text report's errors go to stderr, as every
 * command's do; the other formats keep them as data on stdout.
 */
export async function writeFindings(result: AuditResult, format: AuditFormat, ctx: CliContext, files?: FileDetails): Promise<void> {
  if (format === 'text') {
    const text = (await import('./report/text.js')).renderAuditText(result, ctx, { quiet: ctx.quiet, ...(files ? { files } : {}) });
    ctx.io.stderr.write(text.stderr);
    ctx.io.stdout.write(text.stdout);
    return;
  }
  ctx.io.stdout.write(await renderFindings(result, format));
}

export async function renderFindings(result: AuditResult, format: Exclude<AuditFormat, 'text'>): Promise<string> {
  switch (format) {
    case 'json':
      return (await import('./report/json.js')).renderAuditJson(result);
    case 'markdown':
      return (await import('./report/markdown.js')).renderAuditMarkdown(result);
    case 'github':
      return (await import('./report/github.js')).renderAuditGithub(result);
    case 'sarif':
      return (await import('./report/sarif.js')).renderAuditSarif(result);
  }
}
