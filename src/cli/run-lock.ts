import { lock, type LockOptions } from '../app/lock.js';
import { PylockAttestError } from '../errors.js';
import type { CliIO } from './main.js';
import { enrichOptions, runWithProgress, writeEnrichReport } from './run-enrich.js';

type Args = Record<string, unknown>;

/** `lock <requirements...> -o FILE`: the report is enrich's, for the one lockfile written. */
export async function runLock(args: Args, io: CliIO): Promise<number> {
  const paths = (args['requirements'] as unknown[] | undefined)?.map(String) ?? [];
  if (paths.length === 0) throw new PylockAttestError('USAGE', 'name at least one requirements file', { hint: 'pylock-attest lock requirements.txt -o pylock.toml' });
  const options: LockOptions = { ...enrichOptions(args), env: io.env };
  if (typeof args['output'] === 'string') options.output = args['output'];
  if (typeof args['requiresPython'] === 'string') options.requiresPython = args['requiresPython'];
  const result = await runWithProgress(args, io, options, (o) => lock(paths, o));
  writeEnrichReport(result, args, io);
  return result.exitCode;
}
