import { diff } from '../app/diff.js';
import type { CliIO } from './main.js';
import { renderFindings } from './render-findings.js';
import { auditFormat } from './run-check.js';
import { colors } from './terminal-text.js';

type Args = Record<string, unknown>;

export async function runDiff(args: Args, io: CliIO): Promise<number> {
  const format = auditFormat(args['format']);
  const options = { now: new Date(), ...(typeof args['policy'] === 'string' ? { policyFile: args['policy'] } : {}) };
  const result = await diff(String(args['old']), String(args['new']), options);
  io.stdout.write(await renderFindings(result, format, colors(Boolean(io.stdout.isTTY) && !io.env['NO_COLOR'])));
  return result.exitCode;
}
