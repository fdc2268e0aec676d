import { lock, type LockOptions } from '../app/lock.js';
import { PylockAttestError } from '../errors.js';
import type { CliIO } from './main.js';
import { createProgressBar, wantsProgress } from './progress.js';
import { renderEnrichJson, renderEnrichText } from './render-enrich.js';
import { enrichOptions } from './run-enrich.js';
import { colors } from './terminal-text.js';

type Args = Record<string, unknown>;

/** `lock <requirements...> -o FILE`: the report is enrich's, for the one lockfile written. */
export async function runLock(args: Args, io: CliIO): Promise<number> {
  const paths = (args['requirements'] as unknown[] | undefined)?.map(String) ?? [];
  if (paths.length === 0) throw new PylockAttestError('USAGE', 'name at least one requirements file', { hint: 'pylock-attest lock requirements.txt -o pylock.toml' });
  const options: LockOptions = { ...enrichOptions(args), env: io.env };
  if (typeof args['output'] === 'string') options.output = args['output'];
  if (typeof args['requiresPython'] === 'string') options.requiresPython = args['requiresPython'];
  if (options.verify === false) io.stderr.write('WARNING: --no-verify: identities will be taken from the index\'s claims WITHOUT verification.\n');
  const format = args['format'];
  const bar = wantsProgress(io.stderr, format, io.env) ? createProgressBar(io.stderr) : undefined;
  if (bar) options.onProgress = (p) => bar.update(p);
  let result;
  try {
    result = await lock(paths, options);
  } finally {
    bar?.finish();
  }
  if (format === 'json') io.stdout.write(renderEnrichJson(result));
  else io.stdout.write(renderEnrichText(result, colors(Boolean(io.stdout.isTTY) && !io.env['NO_COLOR'])));
  return result.exitCode;
}
