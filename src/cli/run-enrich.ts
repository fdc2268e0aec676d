import { enrich, type EnrichOptions } from '../app/enrich.js';
import { PylockAttestError } from '../errors.js';
import type { CliContext } from './context.js';
import { refuseRequirementsFiles } from './input-kind.js';
import type { ArgsOf } from './options.js';
import { renderEnrichJson, renderEnrichText, type EnrichReport, type FileDetails } from './render-enrich.js';
import { runWithView } from './run-view.js';

export async function runEnrich(args: ArgsOf<'enrich'>, ctx: CliContext): Promise<number> {
  refuseRequirementsFiles('enrich', args.lockfile);
  const options = enrichOptions(args);
  const { result, files } = await runWithView(ctx, args.format, options, (o) => enrich(args.lockfile, o));
  writeEnrichReport(result, args.format, ctx, files);
  return result.exitCode;
}

/** enrich's report on stdout (text or JSON); a text report's errors and warnings on stderr. lock and refresh report the same way. */
export function writeEnrichReport(result: EnrichReport, format: 'text' | 'json', ctx: CliContext, files: FileDetails | undefined): void {
  if (format === 'json') {
    ctx.io.stdout.write(renderEnrichJson(result));
    return;
  }
  const text = renderEnrichText(result, ctx, { quiet: ctx.quiet, verbose: ctx.verbose, ...(files ? { files } : {}) });
  ctx.io.stderr.write(text.stderr);
  ctx.io.stdout.write(text.stdout);
}

/** The arguments every networked command shares (check too: it always verifies, and has no --dry-run). */
export type NetworkArgs = Pick<
  ArgsOf<'check'>,
  'concurrency' | 'timeout' | 'deadline' | 'provenanceSource' | 'indexUrl' | 'allowIndexHost' | 'trustedRoot' | 'cacheDir' | 'cache' | 'policy'
>;

/** What enrich, refresh and lock share on top. */
export type WriterArgs = NetworkArgs & Pick<ArgsOf<'enrich'>, 'verify' | 'dryRun' | 'allowIdentityChange'> & { offline?: boolean };

export function enrichOptions(args: WriterArgs): EnrichOptions {
  const options: EnrichOptions = { ...networkOptions(args), verify: args.verify, dryRun: args.dryRun, allowIdentityChange: args.allowIdentityChange };
  if (args.offline === true) {
    if (!options.cache) throw new PylockAttestError('USAGE', '--offline answers from the cache, and --no-cache turns it off', { hint: 'drop one of the two' });
    options.offline = true;
  }
  return options;
}

export function networkOptions(args: NetworkArgs): EnrichOptions {
  const options: EnrichOptions = {
    concurrency: positiveInt(args.concurrency, 'concurrency', 256),
    timeoutMs: positiveSeconds(args.timeout, 'timeout') ?? 30_000,
    provenanceSource: args.provenanceSource,
    cache: args.cache,
  };
  const deadline = positiveSeconds(args.deadline, 'deadline');
  if (deadline !== undefined) options.deadlineMs = deadline;
  if (args.indexUrl !== undefined) options.indexUrl = args.indexUrl;
  const hosts = listOption(args.allowIndexHost);
  if (hosts.length > 0) options.allowIndexHosts = hosts;
  if (args.trustedRoot !== undefined) options.trustedRoot = args.trustedRoot;
  if (args.policy !== undefined) options.policyFile = args.policy;
  if (args.cacheDir !== undefined) options.cacheDir = args.cacheDir;
  return options;
}

/** A repeatable option: `--x a --x b,c` → ['a', 'b', 'c']. */
function listOption(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function positiveInt(n: number, name: string, max: number): number {
  if (!Number.isInteger(n) || n < 1 || n > max) throw new PylockAttestError('USAGE', `--${name} must be a whole number from 1 to ${max}`);
  return n;
}

function positiveSeconds(n: number | undefined, name: string): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isFinite(n) || n <= 0) throw new PylockAttestError('USAGE', `--${name} must be a positive number of seconds`);
  return Math.round(n * 1000);
}
