/**
 * Ctrl-C in a terminal, or a CI job's SIGTERM on cancel, must not leave a
 * lockfile half-written or a temp file beside it. Lockfiles are only ever
 * replaced by rename, so the file itself is safe at every instant; what is
 * left to do on a signal is removing the temp files not yet renamed, and
 * exiting with the conventional 128 + signal number.
 *
 * The caller (bin/) passes `exit`, so only the entry point ends the process.
 */
import { removePendingTempFiles } from '../io/temp-files.js';
import type { OutStream } from './context.js';

export const INTERRUPT_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** 128 + SIGPIPE, what a process that does not ignore SIGPIPE (node does) would end with. */
export const CLOSED_PIPE_EXIT_CODE = 141;

export type InterruptSignal = keyof typeof INTERRUPT_EXIT_CODES;

/** Install handlers for SIGINT and SIGTERM; returns a function that removes them. */
export function exitOnInterrupt(exit: (code: number) => void, stderr: OutStream = process.stderr): () => void {
  const installed: Array<[InterruptSignal, () => void]> = [];
  for (const signal of Object.keys(INTERRUPT_EXIT_CODES) as InterruptSignal[]) {
    const handler = (): void => exit(onInterrupt(signal, stderr));
    process.once(signal, handler);
    installed.push([signal, handler]);
  }
  return () => {
    for (const [signal, handler] of installed) process.removeListener(signal, handler);
  };
}

/** Cleans up after `signal` and returns the exit code to end with. Synchronous: the process ends right after. */
export function onInterrupt(signal: InterruptSignal, stderr: OutStream): number {
  const removed = removePendingTempFiles();
  const temps = removed > 0 ? `; removed ${removed} unfinished temporary file${removed === 1 ? '' : 's'}` : '';
  // On a terminal the cursor may sit on the progress bar's line (and the echoed ^C): clear it, so the message stands alone.
  const start = stderr.isTTY === true ? '\r\x1b[K' : '\n';
  stderr.write(`${start}pylock-attest: interrupted by ${signal}: every lockfile is either untouched or completely written, never half-written${temps}\n`);
  return INTERRUPT_EXIT_CODES[signal];
}

/**
 * `pylock-attest … | head`: once the reader is gone, a write to stdout or
 * stderr fails with EPIPE, an error event nobody else handles (node would
 * print a stack). End as a SIGPIPE would: quietly (there is nobody to tell),
 * temp files removed, 141. Any other stream error is left to node.
 */
export function exitOnClosedPipe(exit: (code: number) => void, streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      removePendingTempFiles();
      exit(CLOSED_PIPE_EXIT_CODE);
    });
  }
}
