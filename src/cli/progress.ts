/**
 * A one-line progress bar on stderr: files done/total, rate and ETA. The
 * runner shows it only when stderr is a terminal and the report is not
 * JSON, so pipes, CI logs and `--format json` never see it. It redraws at
 * most ten times a second and clears its line when done.
 */
export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBar {
  update(progress: { done: number; total: number }): void;
  /** Clears the bar's line; call before printing the report. */
  finish(): void;
}

const REDRAW_MS = 100;

/** Whether a bar belongs on this stream for this report format. */
export function wantsProgress(stream: ProgressStream, format: unknown, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && format !== 'json' && env['TERM'] !== 'dumb';
}

export function createProgressBar(stream: ProgressStream, now: () => number = Date.now): ProgressBar {
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update({ done, total }) {
      const t = now();
      if (done < total && t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      drawn = true;
      // A pty may report 0 columns (unknown size): assume 80.
      stream.write(`\r${progressLine(done, total, t - started, stream.columns || 80)}\x1b[K`);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** `[#####.....] 120/600 files  45.1/s  ETA 0:11`, fitted to `columns`. */
export function progressLine(done: number, total: number, elapsedMs: number, columns: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 && done < total ? formatDuration(((total - done) / rate) * 1000) : done >= total ? '0:00' : '--:--';
  const text = ` ${done}/${total} files  ${rate.toFixed(1)}/s  ETA ${eta}`;
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
