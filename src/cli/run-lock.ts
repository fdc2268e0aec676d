import { lock, type LockOptions } from '../app/lock.js';
import type { CliContext } from './context.js';
import { refuseLockfiles } from './input-kind.js';
import type { ArgsOf } from './options.js';
import { enrichOptions, writeEnrichReport } from './run-enrich.js';
import { runWithView } from './run-view.js';

/** `lock <requirements...> -o FILE`: the report is enrich's, for the one lockfile written. */
export async function runLock(args: ArgsOf<'lock'>, ctx: CliContext): Promise<number> {
  refuseLockfiles(args.requirements);
  const options: LockOptions = { ...enrichOptions(args), env: ctx.io.env, output: args.output };
  if (args.requiresPython !== undefined) options.requiresPython = args.requiresPython;
  const { result, files } = await runWithView(ctx, args.format, options, (o) => lock(args.requirements, o));
  writeEnrichReport(result, args.format, ctx, files);
  return result.exitCode;
}
