import { refresh } from '../app/refresh.js';
import { renderRefreshSummary } from '../app/refresh-summary.js';
import { PylockAttestError } from '../errors.js';
import { writeReportFile } from '../io/report-file.js';
import type { CliIO } from './main.js';
import { createProgressBar, wantsProgress } from './progress.js';
import { renderEnrichJson, renderEnrichText } from './render-enrich.js';
import { enrichOptions } from './run-enrich.js';
import { colors } from './terminal-text.js';

type Args = Record<string, unknown>;

export async function runRefresh(args: Args, io: CliIO): Promise<number> {
  const paths = (args['lockfile'] as unknown[] | undefined)?.map(String) ?? [];
  if (paths.length === 0) throw new PylockAttestError('USAGE', 'name at least one lockfile', { hint: 'pylock-attest refresh pylock.toml --summary summary.md' });
  const options = enrichOptions(args);
  if (options.verify === false) io.stderr.write('WARNING: --no-verify: identities will be taken from the index\'s claims WITHOUT verification.\n');
  const bar = wantsProgress(io.stderr, args['format'], io.env) ? createProgressBar(io.stderr) : undefined;
  if (bar) options.onProgress = (p) => bar.update(p);
  let result;
  try {
    result = await refresh(paths, options);
  } finally {
    bar?.finish();
  }
  // The summary is written whatever the outcome: a failed run's PR comment or job summary says why.
  if (typeof args['summary'] === 'string') await writeReportFile(args['summary'], renderRefreshSummary(result));
  if (args['format'] === 'json') {
    io.stdout.write(renderEnrichJson(result));
  } else {
    io.stdout.write(renderEnrichText(result, colors(Boolean(io.stdout.isTTY) && !io.env['NO_COLOR'])));
    io.stdout.write(`refresh: ${result.outcome} (exit ${result.exitCode})\n`);
  }
  return result.exitCode;
}
