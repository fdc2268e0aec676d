import { PylockAttestError, exitCodeFor } from '../errors.js';
import { VERSION } from '../version.js';
import { RUNNERS, type CommandRunner } from './commands.js';
import { createContext, processIO, type CliContext, type CliIO, type OutputArgs } from './context.js';
import { renderCommandHelp, renderUsage } from './help.js';
import { checkNodeVersion } from './node-version.js';
import type { ArgsOf, CommandName } from './options.js';
import { parseArgv, type RunCommand } from './parse.js';
import { errorLines, jsonText, safeText } from './terminal-text.js';

/**
 * Parse argv, run one command, and return its exit code. Only bin/ exits.
 * `--help`, `--version` and the usage are answered from the options table:
 * nothing a command needs is loaded for them.
 */
export async function main(argv: readonly string[], io: CliIO = processIO(), options: MainOptions = {}): Promise<number> {
  try {
    const parsed = parseArgv(argv);
    switch (parsed.kind) {
      case 'usage':
        io.stderr.write(renderUsage(io.stderr.columns));
        return 2;
      case 'help':
        io.stdout.write(parsed.command === undefined ? renderUsage(io.stdout.columns) : renderCommandHelp(parsed.command, io.stdout.columns));
        return 0;
      case 'version':
        io.stdout.write(`pylock-attest ${VERSION}\n`);
        return 0;
      case 'run':
        if (options.restart === true) await restartForLockfiles(parsed);
        return await runCommand(parsed, io);
    }
  } catch (e) {
    return reportError(e, createContext(io));
  }
}

export interface MainOptions {
  /** The bin's own process: a run over large lockfiles may restart node with a small young generation (young-generation.ts). */
  restart?: boolean;
}

/** enrich, refresh and check read whole lockfiles; their size decides (young-generation.ts). */
async function restartForLockfiles(parsed: RunCommand): Promise<void> {
  if (parsed.command !== 'enrich' && parsed.command !== 'refresh' && parsed.command !== 'check') return;
  const { restartIfLarge } = await import('./young-generation.js');
  restartIfLarge(parsed.args.lockfile);
}

async function runCommand(parsed: RunCommand, io: CliIO): Promise<number> {
  const ctx = createContext(io, parsed.args as OutputArgs);
  try {
    checkNodeVersion();
    return await dispatch(parsed, ctx);
  } catch (e) {
    // A JSON report keeps its errors as data on stdout, so a script reads one document whatever happened.
    if (e instanceof PylockAttestError && (parsed.args as { format?: string }).format === 'json') {
      io.stdout.write(jsonText({ schema: 'pylock-attest/error@1', command: parsed.command, error: e.toReport(), exitCode: exitCodeFor(e.code) }));
      return exitCodeFor(e.code);
    }
    return reportError(e, ctx);
  }
}

/** The runner of the parsed command, with that command's own argument type (a correlated union, no cast). */
async function dispatch<C extends CommandName>(parsed: { [K in C]: { command: K; args: ArgsOf<K> } }[C], ctx: CliContext): Promise<number> {
  const runner: CommandRunner<C> = await RUNNERS[parsed.command]();
  return runner(parsed.args, ctx);
}

/** The one top-level catch: a message on stderr and an exit code, never a raw stack. */
function reportError(e: unknown, ctx: CliContext): number {
  const { io, err } = ctx;
  if (e instanceof PylockAttestError) {
    io.stderr.write(`${errorLines(e.toReport(), err)}\n`);
    return exitCodeFor(e.code);
  }
  // An unexpected error is our bug: say so plainly, no raw stack unless asked.
  const message = e instanceof Error ? e.message : String(e);
  io.stderr.write(`${err.red('internal error')}: ${safeText(message, 2000)}\n  please report this; set PYLOCK_ATTEST_DEBUG=1 for a stack trace\n`);
  if (io.env['PYLOCK_ATTEST_DEBUG'] && e instanceof Error) io.stderr.write(`${e.stack ?? ''}\n`);
  return 2;
}
