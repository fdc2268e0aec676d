import { enrich, type EnrichOptions } from '../app/enrich.js';
import { PylockAttestError } from '../errors.js';
import type { CliIO } from './main.js';
import type { ProvenanceMode } from '../net/provenance-client.js';
import { createProgressBar, wantsProgress } from './progress.js';
import { renderEnrichJson, renderEnrichText, type EnrichReport } from './render-enrich.js';
import { colors, safeText } from './terminal-text.js';

type Args = Record<string, unknown>;

export async function runEnrich(args: Args, io: CliIO): Promise<number> {
  const paths = (args['lockfile'] as unknown[] | undefined)?.map(String) ?? [];
  if (paths.length === 0) throw new PylockAttestError('USAGE', 'name at least one lockfile', { hint: 'pylock-attest enrich pylock.toml' });
  const result = await runWithProgress(args, io, enrichOptions(args), (options) => enrich(paths, options));
  writeEnrichReport(result, args, io);
  return result.exitCode;
}

/**
 * What enrich, lock and refresh share around their run: the loud
 * --no-verify warning, and a progress bar on a TTY (never with --format json).
 */
export async function runWithProgress<O extends EnrichOptions, R>(args: Args, io: CliIO, options: O, run: (options: O) => Promise<R>): Promise<R> {
  if (options.verify === false) io.stderr.write('WARNING: --no-verify: identities will be taken from the index\'s claims WITHOUT verification.\n');
  options.onWarning = warnOn(io);
  const bar = wantsProgress(io.stderr, args['format'], io.env) ? createProgressBar(io.stderr) : undefined;
  if (bar) options.onProgress = (p) => bar.update(p);
  try {
    return await run(options);
  } finally {
    bar?.finish();
  }
}

/** Run-level warnings (the cache not used, the trusted root's fallback) on stderr, escaped: they may quote remote text. */
export function warnOn(io: CliIO): (message: string) => void {
  return (message) => io.stderr.write(`WARNING: ${safeText(message, 2000)}\n`);
}

/** enrich's report (text or JSON) on stdout; lock and refresh report the same way. */
export function writeEnrichReport(result: EnrichReport, args: Args, io: CliIO): void {
  if (args['format'] === 'json') io.stdout.write(renderEnrichJson(result));
  else io.stdout.write(renderEnrichText(result, colors(Boolean(io.stdout.isTTY) && !io.env['NO_COLOR'])));
}

export function enrichOptions(args: Args): EnrichOptions {
  const options: EnrichOptions = {
    verify: args['verify'] !== false,
    dryRun: args['dryRun'] === true,
    allowIdentityChange: args['allowIdentityChange'] === true,
    concurrency: positiveInt(args['concurrency'], 'concurrency', 256),
    timeoutMs: positiveSeconds(args['timeout'], 'timeout') ?? 30_000,
    provenanceSource: (args['provenanceSource'] as ProvenanceMode | undefined) ?? 'auto',
  };
  const deadline = positiveSeconds(args['deadline'], 'deadline');
  if (deadline !== undefined) options.deadlineMs = deadline;
  if (typeof args['indexUrl'] === 'string') options.indexUrl = args['indexUrl'];
  const hosts = listOption(args['allowIndexHost']);
  if (hosts.length > 0) options.allowIndexHosts = hosts;
  if (typeof args['trustedRoot'] === 'string') options.trustedRoot = args['trustedRoot'];
  if (typeof args['cacheDir'] === 'string') options.cacheDir = args['cacheDir'];
  options.cache = args['cache'] !== false;
  if (args['offline'] === true) {
    if (!options.cache) throw new PylockAttestError('USAGE', '--offline answers from the cache, and --no-cache turns it off', { hint: 'drop one of the two' });
    options.offline = true;
  }
  return options;
}

/** A repeatable option: `--x a --x b,c` → ['a', 'b', 'c']. */
function listOption(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function positiveInt(value: unknown, name: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new PylockAttestError('USAGE', `--${name} must be a whole number from 1 to ${max}`);
  return n;
}

function positiveSeconds(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new PylockAttestError('USAGE', `--${name} must be a positive number of seconds`);
  return Math.round(n * 1000);
}
