import { refresh } from '../app/refresh.js';
import { renderRefreshSummary } from '../app/refresh-summary.js';
import { PylockAttestError } from '../errors.js';
import { writeReportFile } from '../io/report-file.js';
import type { CliIO } from './main.js';
import { enrichOptions, runWithProgress, writeEnrichReport } from './run-enrich.js';

type Args = Record<string, unknown>;

export async function runRefresh(args: Args, io: CliIO): Promise<number> {
  const paths = (args['lockfile'] as unknown[] | undefined)?.map(String) ?? [];
  if (paths.length === 0) throw new PylockAttestError('USAGE', 'name at least one lockfile', { hint: 'pylock-attest refresh pylock.toml --summary summary.md' });
  const result = await runWithProgress(args, io, enrichOptions(args), (options) => refresh(paths, options));
  // The summary is written whatever the outcome: a failed run's PR comment or job summary says why.
  if (typeof args['summary'] === 'string') await writeReportFile(args['summary'], renderRefreshSummary(result));
  writeEnrichReport(result, args, io);
  if (args['format'] !== 'json') io.stdout.write(`refresh: ${result.outcome} (exit ${result.exitCode})\n`);
  return result.exitCode;
}
