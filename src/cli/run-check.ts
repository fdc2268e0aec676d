import { check, type CheckOptions } from '../app/check.js';
import type { CliContext } from './context.js';
import { refuseRequirementsFiles } from './input-kind.js';
import type { ArgsOf } from './options.js';
import { writeFindings } from './render-findings.js';
import { runWithView } from './run-view.js';

export async function runCheck(args: ArgsOf<'check'>, ctx: CliContext): Promise<number> {
  refuseRequirementsFiles('check', args.lockfile);
  const options = await checkOptions(args);
  // Offline there is nothing to wait for: no bar, no request log.
  const { result, files } = options.offline
    ? { result: await check(args.lockfile, options), files: undefined }
    : await runWithView(ctx, args.format === 'text' ? 'text' : 'json', options, (o) => check(args.lockfile, o));
  await writeFindings(result, args.format, ctx, files);
  return result.exitCode;
}

/** Offline, no network option is even read, and no network code is loaded: nothing below can open a connection. */
export async function checkOptions(args: ArgsOf<'check'>): Promise<CheckOptions> {
  const options: CheckOptions = args.offline ? { offline: true } : await networkCheckOptions(args);
  options.now = new Date();
  if (args.base !== undefined) options.base = args.base;
  if (args.policy !== undefined) options.policyFile = args.policy;
  return options;
}

/** The same network options as enrich, parsed by the same code (loaded late: it pulls in the evaluator). */
async function networkCheckOptions(args: ArgsOf<'check'>): Promise<CheckOptions> {
  const { networkOptions } = await import('./run-enrich.js');
  return networkOptions(args);
}
