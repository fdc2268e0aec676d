import { diff } from '../app/diff.js';
import type { CliContext } from './context.js';
import { refuseRequirementsFiles } from './input-kind.js';
import type { ArgsOf } from './options.js';
import { writeFindings } from './render-findings.js';

export async function runDiff(args: ArgsOf<'diff'>, ctx: CliContext): Promise<number> {
  refuseRequirementsFiles('diff', [args.old, args.new]);
  const result = await diff(args.old, args.new, { now: new Date(), ...(args.policy !== undefined ? { policyFile: args.policy } : {}) });
  await writeFindings(result, args.format, ctx);
  return result.exitCode;
}
