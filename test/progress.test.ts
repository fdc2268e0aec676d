import { describe, expect, it } from 'vitest';
import { createProgressBar, progressLine, wantsProgress, windowedRate } from '../src/cli/progress.js';

describe('progress bar', () => {
  it('only on a terminal, never with --format json or TERM=dumb', () => {
    expect(wantsProgress({ write: () => true, isTTY: true }, 'text', {})).toBe(true);
    expect(wantsProgress({ write: () => true, isTTY: false }, 'text', {})).toBe(false);
    expect(wantsProgress({ write: () => true }, 'text', {})).toBe(false);
    expect(wantsProgress({ write: () => true, isTTY: true }, 'json', {})).toBe(false);
    expect(wantsProgress({ write: () => true, isTTY: true }, 'text', { TERM: 'dumb' })).toBe(false);
  });

  it('shows done/total, rate and ETA, fitted to the width', () => {
    expect(progressLine(150, 600, 50, 80)).toBe('[########......................] 150/600 files  50.0/s  ETA 0:09');
    expect(progressLine(0, 600, undefined, 80)).toBe('[..............................] 0/600 files');
    expect(progressLine(600, 600, 50, 80)).toContain('600/600 files  50.0/s  ETA 0:00');
    expect(progressLine(5, 10, 1, 20).length).toBeLessThanOrEqual(19);
  });

  it('no rate and no ETA until files have been finishing for a whole window; then the recent rate, not the average since start', () => {
    const out: string[] = [];
    let now = 0;
    const bar = createProgressBar({ write: (s) => (out.push(s), true), isTTY: true, columns: 100 }, () => now);
    // Start-up is slow (trusted root, connections, verifier pool): 3 files in the first 3 s.
    for (let i = 1; i <= 3; i++) {
      now = i * 1000;
      bar.update({ done: i, total: 2000 });
    }
    expect(out.at(-1)).not.toMatch(/ETA|\/s/);
    // Then 100 files a second.
    for (let t = 3100, done = 3; t <= 9000; t += 100) {
      now = t;
      bar.update({ done: (done += 10), total: 2000 });
    }
    const last = out.at(-1)!;
    expect(last).toMatch(/ 100\.0\/s {2}ETA 0:\d\d/);
    // The whole-run average (about 66/s) would have promised far longer.
    expect(windowedRate(() => now).perSecond(now)).toBeUndefined(); // a fresh estimator has seen nothing
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
