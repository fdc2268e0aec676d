import { describe, expect, it } from 'vitest';
import { createProgressBar, progressLine, wantsProgress } from '../src/cli/progress.js';

describe('progress bar', () => {
  it('only on a terminal, never with --format json or TERM=dumb', () => {
    expect(wantsProgress({ write: () => true, isTTY: true }, 'text', {})).toBe(true);
    expect(wantsProgress({ write: () => true, isTTY: false }, 'text', {})).toBe(false);
    expect(wantsProgress({ write: () => true }, 'text', {})).toBe(false);
    expect(wantsProgress({ write: () => true, isTTY: true }, 'json', {})).toBe(false);
    expect(wantsProgress({ write: () => true, isTTY: true }, 'text', { TERM: 'dumb' })).toBe(false);
  });

  it('shows done/total, rate and ETA, fitted to the width', () => {
    expect(progressLine(150, 600, 3_000, 80)).toBe('[########......................] 150/600 files  50.0/s  ETA 0:09');
    expect(progressLine(0, 600, 0, 80)).toContain('ETA --:--');
    expect(progressLine(600, 600, 12_000, 80)).toContain('600/600 files  50.0/s  ETA 0:00');
    expect(progressLine(5, 10, 1_000, 20).length).toBeLessThanOrEqual(19);
  });

  it('redraws at most every 100 ms, always draws the last update, and clears its line', () => {
    const out: string[] = [];
    let now = 0;
    const bar = createProgressBar({ write: (s) => (out.push(s), true), isTTY: true, columns: 80 }, () => now);
    bar.update({ done: 1, total: 3 });
    now = 50;
    bar.update({ done: 2, total: 3 });
    now = 60;
    bar.update({ done: 3, total: 3 });
    bar.finish();
    expect(out).toHaveLength(3);
    expect(out[1]).toContain('3/3 files');
    expect(out[2]).toBe('\r\x1b[K');
  });
});
