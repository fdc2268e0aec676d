import type { EvaluateOptions } from '../app/evaluate.js';
import type { CliContext } from './context.js';
import { leanHeapWatch } from './lean-heap.js';
import { createProgressBar, wantsProgress } from './progress.js';
import type { FileDetails } from './render-enrich.js';
import { safeText } from './terminal-text.js';

/**
 * What every networked command (enrich, refresh, lock, check) shares around
 * its run: the --no-verify warning, the progress bar on a terminal (never with --format json, --quiet
 * or --verbose), and for --verbose each request as it is sent (stderr) and
 * each file's detail for the report. A large run's requests and progress
 * are watched for its heap (lean-heap.ts).
 */
export async function runWithView<O extends EvaluateOptions, R>(
  ctx: CliContext,
  format: string,
  options: O,
  run: (options: O) => Promise<R>,
): Promise<{ result: R; files?: FileDetails }> {
  // Before the run, once, loudly: with --no-verify every identity is only the index's claim.
  if (options.verify === false)
    ctx.io.stderr.write(`${ctx.err.yellow('warning')}: --no-verify: identities will be taken from the index's claims WITHOUT verification\n`);
  const requested = new Set<string>();
  const files: FileDetails | undefined = ctx.verbose ? { reports: [], requested } : undefined;
  const bar = !ctx.quiet && !ctx.verbose && wantsProgress(ctx.io.stderr, format, ctx.io.env) ? createProgressBar(ctx.io.stderr) : undefined;
  const lean = leanHeapWatch();
  const watchers: Array<NonNullable<EvaluateOptions['onProgress']>> = [];
  if (bar) watchers.push((p) => bar.update(p));
  if (lean) watchers.push((p) => lean.progress(p));
  if (watchers.length > 0)
    options.onProgress = (p) => {
      for (const watch of watchers) watch(p);
    };
  // Run-level warnings (the cache not used, the trusted root's fallback), escaped: they may quote remote text.
  options.onWarning = (message) => ctx.io.stderr.write(`${ctx.err.yellow('warning')}: ${safeText(message, 2000)}\n`);
  if (files) {
    options.onFile = (report) => files.reports.push(report);
    options.onRequest = ({ method, url }) => {
      lean?.request();
      requested.add(url);
      ctx.io.stderr.write(`${ctx.err.dim(`${method} ${safeText(url, 500)}`)}\n`);
    };
  } else if (lean) {
    options.onRequest = () => lean.request();
  }
  try {
    const result = await run(options);
    return files ? { result, files } : { result };
  } finally {
    bar?.finish();
  }
}
