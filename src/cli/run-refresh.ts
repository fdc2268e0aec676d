import { refresh } from '../app/refresh.js';
import { renderRefreshSummary } from '../app/refresh-summary.js';
import { writeReportFile } from '../io/report-file.js';
import type { CliContext } from './context.js';
import { refuseRequirementsFiles } from './input-kind.js';
import type { ArgsOf } from './options.js';
import { enrichOptions, writeEnrichReport } from './run-enrich.js';
import { runWithView } from './run-view.js';

export async function runRefresh(args: ArgsOf<'refresh'>, ctx: CliContext): Promise<number> {
  refuseRequirementsFiles('refresh', args.lockfile);
  const options = enrichOptions(args);
  const { result, files } = await runWithView(ctx, args.format, options, (o) => refresh(args.lockfile, o));
  // The summary is written whatever the outcome: a failed run's PR comment or job summary says why.
  if (args.summary !== undefined) await writeReportFile(args.summary, renderRefreshSummary(result));
  writeEnrichReport(result, args.format, ctx, files);
  if (args.format !== 'json' && !ctx.quiet) ctx.io.stdout.write(`refresh: ${result.outcome} (exit ${result.exitCode})\n`);
  return result.exitCode;
}
