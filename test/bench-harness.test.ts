/**
 * The bench's own code, checked without timing anything: its arithmetic and
 * verdicts, the report line it reads, the profile and GC-trace readers, and
 * the probes it loads into measured processes (that they report at all, from
 * every thread). `npm run bench` itself is never run here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSummary } from '../bench/measures.ts';
import { packageOf, summarizeProfile, summarizeTraceGc, type CpuProfile } from '../bench/profile.ts';
import { absoluteResult, alternatePairs, median, ratioResult, renderTable } from '../bench/stats.ts';
import { tempDir } from './support/workspace.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const PROBES = path.join(ROOT, 'bench/probes');

describe('bench arithmetic', () => {
  it('takes the median of odd and even samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('alternates baseline and subject, and drops the warm-up pairs', async () => {
    const order: string[] = [];
    let n = 0;
    const pairs = await alternatePairs(
      3,
      1,
      async () => (order.push('b'), n++),
      async () => (order.push('s'), n++),
    );
    expect(order.join('')).toBe('bsbsbsbs');
    expect(pairs).toEqual({ baseline: [2, 4, 6], subject: [3, 5, 7] });
  });

  it('judges a ratio goal on the medians, and an extra condition (requests) too', () => {
    const base = { id: 'x', title: 'x', goal: '≤ 2×', unit: 'ms' as const, baseline: 'bare', limit: 2 };
    expect(ratioResult({ ...base, samples: [190, 210, 200], baselineSamples: [100, 90, 110] })).toMatchObject({
      median: 200,
      baselineMedian: 100,
      ratio: 2,
      met: true,
    });
    expect(ratioResult({ ...base, samples: [201], baselineSamples: [100] }).met).toBe(false);
    expect(ratioResult({ ...base, samples: [150], baselineSamples: [100], extraOk: false }).met).toBe(false);
    const rss = absoluteResult({ id: 'r', title: 'r', goal: '≤ 250 MiB', unit: 'MiB', samples: [240, 260, 250], baselineSamples: [70], limit: 250 });
    expect(rss).toMatchObject({ median: 250, met: true, ratio: 3.571 });
  });

  it('renders a markdown table with met and missed', () => {
    const ok = ratioResult({ id: 'a', title: 'a', goal: 'g', unit: 'ms', samples: [100], baselineSamples: [100], baseline: 'b', limit: 1.5 });
    const bad = absoluteResult({ id: 'b', title: 'b', goal: 'g', unit: 'MiB', samples: [300], limit: 250 });
    const table = renderTable([ok, bad]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toMatch(/\| a .*100 ms \(n=1\).*1\.00×.* met +\|$/);
    expect(table[3]).toMatch(/\| b .*300 MiB.*\*\*missed\*\*/);
  });
});

describe('the report line the bench reads', () => {
  it('parses the text report summary of enrich', () => {
    expect(parseSummary('x\n  1000 packages, 20000 files: 1000 verified; written; 20000 requests\n')).toEqual({
      packages: 1000,
      files: 20000,
      statuses: { verified: 1000 },
      state: 'written',
    });
    expect(parseSummary('  3 packages, 7 files: 2 verified, 1 no-provenance; unchanged\n')).toEqual({
      packages: 3,
      files: 7,
      statuses: { verified: 2, 'no-provenance': 1 },
      state: 'unchanged',
    });
    expect(parseSummary('  6 packages, 7 files: 4 packages verified, 1 skipped, 1 partial; written; 10 requests\n')).toEqual({
      packages: 6,
      files: 7,
      statuses: { verified: 4, skipped: 1, partial: 1 },
      state: 'written',
    });
    expect(parseSummary('  16 packages, 320 files: 16 packages UNVERIFIED (--no-verify); written; 320 requests\n')?.statuses).toEqual({ unverified: 16 });
    expect(parseSummary('nothing here')).toBeUndefined();
  });
});

describe('profile readers', () => {
  it('counts self, inclusive (once per stack) and per-package time', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
        { id: 2, callFrame: frame('main', 'file:///p/dist/cli/main.js'), children: [3] },
        { id: 3, callFrame: frame('parse', 'file:///p/node_modules/smol-toml/dist/index.js'), children: [4] },
        { id: 4, callFrame: frame('parse', 'file:///p/node_modules/smol-toml/dist/index.js') },
        { id: 5, callFrame: frame('(idle)', '') },
      ],
      samples: [3, 4, 4, 5, 2],
      timeDeltas: [1000, 1000, 1000, 5000, 2000],
    };
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(10);
    expect(s.idleMs).toBe(5);
    expect(s.self[0]).toEqual({ name: '(idle)', ms: 5, share: 50 });
    expect(s.inclusive.find((c) => c.name.startsWith('parse'))).toEqual({ name: 'parse smol-toml/dist/index.js:1', ms: 3, share: 30 });
    expect(s.inclusive.find((c) => c.name.startsWith('main'))?.ms).toBe(5);
    expect(s.packages).toEqual([
      { name: 'dist/cli', ms: 5, share: 50 },
      { name: 'smol-toml', ms: 3, share: 30 },
    ]);
    expect(packageOf('file:///p/node_modules/@sigstore/verify/dist/x.js')).toBe('@sigstore/verify');
    expect(packageOf('node:internal/modules/esm/loader')).toBe('node:internal/modules');
  });

  it('reads --trace-gc lines', () => {
    const trace = [
      '[123:0x1]      40 ms: Scavenge 10.5 (12.0) -> 8.1 (20.0) MB, pooled: 0.0 MB, 1.50 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure;',
      '[123:0x1]     900 ms: Mark-Compact 150.2 (180.4) -> 90.0 (120.0) MB, pooled: 0.0 MB, 40.25 / 0.00 ms  (average mu = 0.9) allocation failure;',
      '[123:0x1]     950 ms: Scavenge 95.0 (121.0) -> 91.0 (121.0) MB, 2.00 / 0.00 ms  (average mu = 1.000) allocation failure;',
    ].join('\n');
    expect(summarizeTraceGc(trace)).toEqual({ scavenges: 2, markCompacts: 1, scavengeMs: 4, markCompactMs: 40, maxHeapMB: 180.4 });
  });
});

describe('probes loaded into measured processes', () => {
  const node = (args: string[], env: Record<string, string>): void => {
    const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  };

  it('peak-rss writes the process peak RSS at exit', () => {
    const tmp = tempDir('bench-probe-');
    const out = path.join(tmp.dir, 'rss.json');
    node(['--import', path.join(PROBES, 'peak-rss.mjs'), '-e', 'Buffer.alloc(32 * 1024 * 1024, 1)'], { BENCH_RSS_FILE: out });
    expect((JSON.parse(readFileSync(out, 'utf8')) as { maxRssKiB: number }).maxRssKiB).toBeGreaterThan(32 * 1024);
    tmp.cleanup();
  });

  it('count-verify counts sigstore-js verifications in the main thread and in worker threads', () => {
    const tmp = tempDir('bench-probe-');
    const out = path.join(tmp.dir, 'verify.txt');
    // Verifier#verify on a non-verifier throws at once: the probe counts the call before that.
    const attempt = `try { require('node:module').createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))})('@sigstore/verify').Verifier.prototype.verify.call({}) } catch {}`;
    // The pool's workers are files (--import preloads do not run in eval workers).
    const worker = tmp.file('worker.cjs', attempt);
    node(['--import', path.join(PROBES, 'count-verify.mjs'), '-e', `${attempt}; new (require('node:worker_threads').Worker)(${JSON.stringify(worker)})`], {
      BENCH_VERIFY_FILE: out,
    });
    expect(readFileSync(out, 'utf8')).toBe('1\n1\n');
    tmp.cleanup();
  });
});
