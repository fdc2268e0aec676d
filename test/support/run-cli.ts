/**
 * Runs the built CLI the way a user does: a real process, a clean
 * environment (no proxy, no colour, only what the test passes, and the
 * test file's temporary state directory: test/support/isolate-state.ts), and the
 * exit code, signal, output and wall time collected. `runProcess` is the one
 * spawner under it, for every other program a test runs (node, npm, git,
 * pre-commit, python).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/pylock-attest.js');

// vitest's global setup (test/support/build.ts) has just built dist/: a test
// never skips for want of it, and never runs an old one.
if (!existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'))) {
  throw new Error('dist/ is missing: run the tests with vitest (`npm test`, `npx vitest run FILE`), whose global setup builds it');
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived (what a user's terminal shows). */
  output: string;
  /** Wall time, from spawn to close. */
  ms: number;
}

export interface ProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Its own process group (then `process.kill(-child.pid, …)` signals the whole group). */
  detached?: boolean;
  /** Called once the process exists, e.g. to send it a signal later. */
  onSpawn?: (child: ChildProcess) => void;
  /** Called with each stderr chunk as it arrives. */
  onStderr?: (chunk: string) => void;
}

/** Runs `cmd` (stdin closed) and collects its exit, output and wall time; rejects only when it cannot start. */
export function runProcess(cmd: string, args: readonly string[], opts: ProcessOptions = {}): Promise<CliRun> {
  const started = process.hrtime.bigint();
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env };
  if (opts.cwd !== undefined) spawnOptions.cwd = opts.cwd;
  if (opts.detached === true) spawnOptions.detached = true;
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, spawnOptions);
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      output += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      output += d;
      opts.onStderr?.(d);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr, output, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    opts.onSpawn?.(child);
  });
}

export interface CliRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Called once the process exists, e.g. to send it a signal later. */
  onSpawn?: (child: ChildProcess) => void;
  /** Run through another program first (e.g. `unshare`); BIN's path is appended to it. */
  wrapper?: string[];
  /** Called with each stderr chunk as it arrives. */
  onStderr?: (chunk: string) => void;
}

/** The test file's temporary state directory (test/support/isolate-state.ts), for a child whose environment is built from scratch. */
export function stateEnv(): Record<string, string> {
  const state = process.env['PYLOCK_ATTEST_STATE_DIR'];
  return state === undefined ? {} : { PYLOCK_ATTEST_STATE_DIR: state };
}

export function runCli(args: string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1', ...stateEnv(), ...opts.env };
  const command = opts.wrapper === undefined ? [process.execPath, BIN] : [...opts.wrapper, process.execPath, BIN];
  return runProcess(command[0]!, [...command.slice(1), ...args], { ...opts, env });
}

export interface PtyRun {
  code: number | null;
  /** Everything the terminal received (stdout and stderr interleaved, as a user sees them). */
  output: string;
}

export interface PtyRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** The CLI writes its pid here once started, e.g. to send it SIGINT as a user's Ctrl-C does. */
  pidFile?: string;
  /** Called with the terminal output so far, each time more arrives. */
  onOutput?: (soFar: string) => void;
}

/**
 * The built CLI on a pseudo-terminal (util-linux `script`), 100 columns wide:
 * what TTY-only behaviour (colour, the progress bar, Ctrl-C) looks like to a
 * user. `HAS_SCRIPT` says whether `script` is installed.
 */
export function runCliInPty(args: string[], opts: PtyRunOptions = {}): Promise<PtyRun> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const pid = opts.pidFile === undefined ? '' : `echo $$ > ${quote(opts.pidFile)}; `;
  const command = `stty cols 100 rows 40; ${pid}exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm-256color', ...opts.env };
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      opts.onOutput?.(output);
    });
    child.stderr.resume();
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

export const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
