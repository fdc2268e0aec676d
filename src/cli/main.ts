import yargs, { type Argv } from 'yargs';
import { PylockAttestError, exitCodeFor } from '../errors.js';
import { VERSION } from '../version.js';
import { RUNNERS } from './commands.js';
import { COMMANDS, optionsFor, type CommandName } from './options.js';
import { checkNodeVersion } from './node-version.js';
import { colors, safeText } from './terminal-text.js';

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

type Args = Record<string, unknown> & { _: unknown[] };

/** Parse argv, run one command, and return its exit code. Only bin/ exits. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let code = 0;
  const parser = buildParser(argv, io, (c) => (code = c));
  try {
    await parser.parseAsync();
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

function buildParser(argv: readonly string[], io: CliIO, setCode: (code: number) => void): Argv {
  let parser = yargs([...argv])
    .scriptName('pylock-attest')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      throw err ?? new PylockAttestError('USAGE', msg, { hint: 'see pylock-attest --help' });
    });
  for (const spec of COMMANDS) {
    parser = parser.command(
      spec.usage,
      spec.summary,
      (y) => configure(y, spec.name).epilogue(`${spec.details}\n\nExample: ${spec.example}`),
      async (args) => setCode(await runCommand(spec.name, args as Args, io)),
    );
  }
  return parser.help().alias('h', 'help');
}

function configure(y: Argv, name: CommandName): Argv {
  let out = y;
  for (const opt of optionsFor(name)) {
    out = out.option(opt.name, {
      type: opt.type,
      describe: opt.describe,
      ...(opt.default !== undefined ? { default: opt.default } : {}),
      ...(opt.choices ? { choices: [...opt.choices] } : {}),
      ...(opt.defaultText !== undefined ? { defaultDescription: opt.defaultText } : {}),
      ...(opt.alias !== undefined ? { alias: opt.alias } : {}),
    });
  }
  return out;
}

async function runCommand(name: CommandName, args: Args, io: CliIO): Promise<number> {
  checkNodeVersion();
  const runner = await RUNNERS[name]();
  return runner(args, io);
}

/** Escaped for the terminal, except describe()'s own line break before the hint (a remote value's newline stays escaped). */
function describeSafely(e: PylockAttestError): string {
  const text = e.describe();
  const cut = e.hint !== undefined ? text.lastIndexOf('\n  hint: ') : -1;
  return cut < 0 ? safeText(text, 4000) : `${safeText(text.slice(0, cut), 4000)}\n  hint: ${safeText(e.hint, 1000)}`;
}

function reportError(e: unknown, io: CliIO): number {
  const c = colors(Boolean(io.stderr.isTTY) && !io.env['NO_COLOR']);
  if (e instanceof PylockAttestError) {
    io.stderr.write(`${c.red('error')}: ${describeSafely(e)}\n`);
    return exitCodeFor(e.code);
  }
  // An unexpected error is our bug: say so plainly, no raw stack unless asked.
  const message = e instanceof Error ? e.message : String(e);
  io.stderr.write(`${c.red('internal error')}: ${safeText(message, 2000)}\n  please report this; set PYLOCK_ATTEST_DEBUG=1 for a stack trace\n`);
  if (io.env['PYLOCK_ATTEST_DEBUG'] && e instanceof Error) io.stderr.write(`${e.stack ?? ''}\n`);
  return 2;
}
