/**
 * A one-line progress bar on stderr: files done/total, then rate and ETA
 * once they mean something. The runner shows it only when stderr is a
 * terminal and the report is not JSON, so pipes, CI logs and `--format json`
 * never see it. It redraws at most ten times a second and clears its line
 * when done (and cli/signals.ts clears it on Ctrl-C).
 */
import type { OutStream } from './context.js';

export interface ProgressBar {
  update(progress: { done: number; total: number }): void;
  /** Clears the bar's line; call before printing the report. */
  finish(): void;
}

const REDRAW_MS = 100;
/**
 * The rate is measured over the last few seconds, and shown (with the ETA)
 * only once files have been finishing for that long: the first seconds of a
 * run are start-up (the trusted root, the first connections, the verifier
 * pool), and a rate taken from them promised a 2,000-file run 12 minutes
 * that took 32 seconds.
 */
export const RATE_WINDOW_MS = 5_000;

/** Whether a bar belongs on this stream for this report format. */
export function wantsProgress(stream: OutStream, format: string, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && format !== 'json' && env['TERM'] !== 'dumb';
}

export function createProgressBar(stream: OutStream, now: () => number = Date.now): ProgressBar {
  const rate = windowedRate(now);
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update({ done, total }) {
      const t = now();
      rate.add(t, done);
      if (done < total && t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      drawn = true;
      // A pty may report 0 columns (unknown size): assume 80.
      stream.write(`\r${progressLine(done, total, rate.perSecond(t), stream.columns || 80)}\x1b[K`);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** Files per second over the last RATE_WINDOW_MS; undefined until files have been finishing for that long. */
export function windowedRate(now: () => number = Date.now): { add(t: number, done: number): void; perSecond(t: number): number | undefined } {
  const samples: Array<{ t: number; done: number }> = [];
  let first: number | undefined;
  return {
    add(t, done) {
      first ??= t;
      samples.push({ t, done });
      // Keep one sample older than the window, so the window is always fully covered.
      while (samples.length > 2 && samples[1]!.t <= t - RATE_WINDOW_MS) samples.shift();
    },
    perSecond(t = now()) {
      const oldest = samples[0];
      const newest = samples.at(-1);
      if (first === undefined || oldest === undefined || newest === undefined || t - first < RATE_WINDOW_MS || newest.t <= oldest.t) return undefined;
      return ((newest.done - oldest.done) * 1000) / (newest.t - oldest.t);
    },
  };
}

/** `[#####.....] 120/600 files  45.1/s  ETA 0:11`, or without rate and ETA while there is no meaningful rate; fitted to `columns`. */
export function progressLine(done: number, total: number, perSecond: number | undefined, columns: number): string {
  const eta = done >= total ? '0:00' : perSecond !== undefined && perSecond > 0 ? formatDuration(((total - done) / perSecond) * 1000) : undefined;
  const speed = perSecond !== undefined && eta !== undefined ? `  ${perSecond.toFixed(1)}/s  ETA ${eta}` : '';
  const text = ` ${done}/${total} files${speed}`;
  const width = Math.max(0, Math.min(30, columns - text.length - 3));
  if (width < 5) return text.trimStart().slice(0, Math.max(0, columns - 1));
  const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${text}`;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
