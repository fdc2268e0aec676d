import { check, type CheckOptions } from '../app/check.js';
import { PylockAttestError } from '../errors.js';
import type { CliIO } from './main.js';
import { createProgressBar, wantsProgress } from './progress.js';
import { AUDIT_FORMATS, renderFindings, type AuditFormat } from './render-findings.js';
import { colors } from './terminal-text.js';

type Args = Record<string, unknown>;

export async function runCheck(args: Args, io: CliIO): Promise<number> {
  const paths = (args['lockfile'] as unknown[] | undefined)?.map(String) ?? [];
  if (paths.length === 0) throw new PylockAttestError('USAGE', 'name at least one lockfile', { hint: 'pylock-attest check pylock.toml' });
  const format = auditFormat(args['format']);
  const options = await checkOptions(args);
  if (!options.offline) options.onWarning = (await import('./run-enrich.js')).warnOn(io);
  const bar = !options.offline && wantsProgress(io.stderr, format === 'text' ? 'text' : 'json', io.env) ? createProgressBar(io.stderr) : undefined;
  if (bar) options.onProgress = (p) => bar.update(p);
  let result;
  try {
    result = await check(paths, options);
  } finally {
    bar?.finish();
  }
  io.stdout.write(await renderFindings(result, format, colors(Boolean(io.stdout.isTTY) && !io.env['NO_COLOR'])));
  return result.exitCode;
}

/** Offline, no network option is even read, and no network code is loaded: nothing below can open a connection. */
export async function checkOptions(args: Args): Promise<CheckOptions> {
  const offline = args['offline'] === true;
  const options: CheckOptions = offline ? { offline: true } : await networkOptions(args);
  options.now = new Date();
  if (typeof args['base'] === 'string') options.base = args['base'];
  if (typeof args['policy'] === 'string') options.policyFile = args['policy'];
  return options;
}

/** The same network options as enrich, parsed by the same code (loaded late: it pulls in the evaluator). */
async function networkOptions(args: Args): Promise<CheckOptions> {
  const { enrichOptions } = await import('./run-enrich.js');
  const { verify: _v, dryRun: _d, allowIdentityChange: _a, offline: _o, ...net } = enrichOptions({ ...args, offline: false });
  return net;
}

export function auditFormat(value: unknown): AuditFormat {
  const format = AUDIT_FORMATS.find((f) => f === (value ?? 'text'));
  if (!format) throw new PylockAttestError('USAGE', `--format must be one of ${AUDIT_FORMATS.join(', ')}`);
  return format;
}
