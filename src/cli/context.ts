import { colors, type Colors } from './terminal-text.js';

/** A stream the CLI writes to; `isTTY` and `columns` as a tty.WriteStream has them. */
export interface OutStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** The process's streams and environment, passed in so that tests and the library never touch `process`. */
export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

export type ColorMode = 'auto' | 'always' | 'never';

/** What every runner gets: the streams, their colours (decided once per run), and how much to say. */
export interface CliContext {
  io: CliIO;
  /** Colours for stdout (the report) and stderr (errors, warnings, progress). */
  out: Colors;
  err: Colors;
  quiet: boolean;
  verbose: boolean;
}

export interface OutputArgs {
  color?: ColorMode;
  quiet?: boolean;
  verbose?: boolean;
}

export function createContext(io: CliIO, args: OutputArgs = {}): CliContext {
  const mode = args.color ?? 'auto';
  return {
    io,
    out: colors(colorEnabled(io.stdout, mode, io.env)),
    err: colors(colorEnabled(io.stderr, mode, io.env)),
    quiet: args.quiet === true,
    verbose: args.verbose === true,
  };
}

/**
 * --color wins; then FORCE_COLOR or CLICOLOR_FORCE (set and not "0"; FORCE_COLOR=0 or false turns
 * colour off, as supports-color reads it) over NO_COLOR (set and not empty, no-color.org); then a
 * terminal that is not TERM=dumb. A forced colour is an explicit request for this run, as in Node.js
 * itself, where FORCE_COLOR takes precedence over NO_COLOR.
 */
export function colorEnabled(stream: OutStream, mode: ColorMode, env: NodeJS.ProcessEnv): boolean {
  if (mode !== 'auto') return mode === 'always';
  const force = env['FORCE_COLOR'];
  if (force === '0' || force === 'false') return false;
  if (set(force) || (set(env['CLICOLOR_FORCE']) && env['CLICOLOR_FORCE'] !== '0')) return true;
  if (set(env['NO_COLOR'])) return false;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

function set(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}
