/**
 * `npm run bench`: everything on this machine, no internet.
 *
 * 1. Synthetic lockfiles (bench/generate.ts): 100 and 1,000 packages × 20
 *    files (the larger ~8.5 MB), plus 300 × 20 for the warm run.
 * 2. Provenance that really verifies, minted against a mock Sigstore and a
 *    matching trusted root (bench/fixtures.ts; cached in bench/.work/).
 * 3. A loopback index with a fixed latency per request, in its own process
 *    (bench/serve-index.ts).
 * 4. Each measure in a fresh process, several times; the table reports
 *    medians and ratios against baselines taken in the same run. Written to
 *    bench/results.json.
 *
 * Environment: BENCH_RUNS (default 3), BENCH_LATENCY_MS (default 50),
 * BENCH_QUICK=1 (one run of each, for a smoke test).
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { loadOrMintFixtures, WORK } from './fixtures.ts';
import { lockfileText, packages } from './generate.ts';
import { summarizeProfile, type ProfileSummary } from './profile.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const RUNS = QUICK ? 1 : Number(process.env['BENCH_RUNS'] ?? 3);
const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 50);
const CONCURRENCY = 16;
const FILES_PER_PACKAGE = 20;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(ROOT, 'bin/pylock-attest.js');
const HERE = path.join(ROOT, 'bench');

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

// ---------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------

function measure<T>(task: string, args: unknown, nodeArgs: string[] = []): T {
  const out = execFileSync(process.execPath, [...nodeArgs, path.join(HERE, 'measure.ts'), task, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

interface IndexProcess {
  origin: string;
  count(): Promise<number>;
  close(): void;
}

async function startIndex(latencyMs: number): Promise<IndexProcess> {
  const child = fork(path.join(HERE, 'serve-index.ts'), ['1000', String(FILES_PER_PACKAGE), String(latencyMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const origin = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { origin?: string }) => (m.origin ? resolve(m.origin) : reject(new Error('index did not start'))));
    child.once('exit', (code) => reject(new Error(`index exited with ${code}`)));
  });
  return {
    origin,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (m: { count: number }) => resolve(m.count));
        child.send('count');
      }),
    close: () => child.kill(),
  };
}

interface CliRun {
  code: number | null;
  wallMs: number;
  report: { requests: number; exitCode: number; lockfiles: Array<{ packages: Array<{ status: string }>; written: boolean; changed: boolean }> };
  maxRssKiB?: number;
}

/** The CLI as a user runs it, timed from spawn to exit (node start-up included). */
function runCli(args: string[], rssFile?: string): Promise<CliRun> {
  const nodeArgs = rssFile === undefined ? [] : ['--import', path.join(HERE, 'rss-probe.ts')];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1', ...(rssFile ? { BENCH_RSS_FILE: rssFile } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      try {
        const run: CliRun = { code, wallMs, report: JSON.parse(stdout) };
        if (rssFile !== undefined) run.maxRssKiB = (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number }).maxRssKiB;
        resolve(run);
      } catch (e) {
        reject(new Error(`CLI run failed (exit ${code}): ${stderr.slice(0, 2000)} ${String(e)}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------

interface Locks {
  small: string;
  warm: string;
  large: string;
  root: string;
}

function writeLocks(trustedRoot: unknown): Locks {
  const dir = path.join(WORK, 'locks');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, count: number): string => {
    const file = path.join(dir, name);
    writeFileSync(file, lockfileText(packages(count, FILES_PER_PACKAGE)));
    return file;
  };
  const root = path.join(dir, 'trusted_root.json');
  writeFileSync(root, JSON.stringify(trustedRoot));
  return { small: write('small-100.pylock.toml', 100), warm: write('warm-300.pylock.toml', 300), large: write('large-1000.pylock.toml', 1000), root };
}

function scratch(prefix: string): string {
  mkdirSync(path.join(WORK, 'tmp'), { recursive: true });
  return mkdtempSync(path.join(WORK, 'tmp', prefix));
}

interface Rewrite {
  bytes: number;
  parseMs: number[];
  editMs: number[];
  ratio: number;
}

function benchRewrite(locks: Locks): Rewrite & { parseMedianMs: number; editMedianMs: number } {
  log('rewrite: splice + re-parse + check vs smol-toml parse() of the large lockfile');
  const runs: Rewrite[] = Array.from({ length: RUNS }, () => measure<Rewrite>('rewrite', { lock: locks.large, runs: 5 }));
  const parseMs = runs.flatMap((r) => r.parseMs.slice(1)); // the first of each process is JIT warm-up
  const editMs = runs.flatMap((r) => r.editMs.slice(1));
  return { bytes: runs[0]!.bytes, parseMs, editMs, parseMedianMs: median(parseMs), editMedianMs: median(editMs), ratio: median(runs.map((r) => r.ratio)) };
}

interface Fetch {
  fetchMs: number;
  totalMs: number;
  requests: number;
  files: number;
  statuses: string[];
}

function benchFetch(locks: Locks, index: IndexProcess): Record<string, { runs: Fetch[]; medianMs: number; floorMs: number; ratio: number; requestsPerFile: number }> {
  const out: ReturnType<typeof benchFetch> = {};
  for (const mode of ['integrity', 'simple']) {
    log(`cold network (${mode} API): 2,000 files, ${CONCURRENCY} in flight, ${LATENCY_MS} ms per request`);
    const runs = Array.from({ length: RUNS }, () => {
      const cacheDir = scratch('fetch-');
      const r = measure<Fetch>('fetch', { lock: locks.small, indexUrl: `${index.origin}/simple`, mode, cacheDir, concurrency: CONCURRENCY });
      rmSync(cacheDir, { recursive: true, force: true });
      if (r.statuses.join() !== 'unverified') throw new Error(`fetch phase: unexpected statuses ${r.statuses.join()}`);
      return r;
    });
    const files = runs[0]!.files;
    const floorMs = Math.ceil(files / CONCURRENCY) * LATENCY_MS;
    const medianMs = median(runs.map((r) => r.fetchMs));
    out[mode] = { runs, medianMs, floorMs, ratio: medianMs / floorMs, requestsPerFile: runs[0]!.requests / files };
  }
  return out;
}

interface Verify {
  attestations: number;
  poolSize: number;
  msPerAttestationInline: number;
  msPerAttestationUnpatched: number;
  poolReadyMs: number;
  poolColdMs: number;
  perSecondCold: number;
  perSecondWarm: number;
}

function benchVerify(): { runs: Verify[]; perSecondCold: number; perSecondWarm: number; msInline: number; msUnpatched: number; profile: ProfileSummary; profileUnpatched: ProfileSummary } {
  const poolSize = Math.min(availableParallelism(), 8);
  log(`verification: 2,000 attestations across a pool of ${poolSize} workers; inline ms per attestation`);
  const runs = Array.from({ length: RUNS }, () => measure<Verify>('verify', { packages: 100, perPackage: FILES_PER_PACKAGE, poolSize, inlineCount: 400 }));
  log('verification: CPU profiles of inline verification (with and without the fast DER encoder)');
  const profile = profiled(true);
  const profileUnpatched = profiled(false);
  return {
    runs,
    perSecondCold: median(runs.map((r) => r.perSecondCold)),
    perSecondWarm: median(runs.map((r) => r.perSecondWarm)),
    msInline: median(runs.map((r) => r.msPerAttestationInline)),
    msUnpatched: median(runs.map((r) => r.msPerAttestationUnpatched)),
    profile,
    profileUnpatched,
  };
}

function profiled(fastDer: boolean): ProfileSummary {
  const dir = scratch('prof-');
  measure('inline', { packages: 100, perPackage: FILES_PER_PACKAGE, count: 800, fastDer }, ['--cpu-prof', '--cpu-prof-dir', dir]);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const kept = path.join(WORK, `verify-${fastDer ? 'fast-der' : 'unpatched'}.cpuprofile`);
  copyFileSync(path.join(dir, file), kept);
  rmSync(dir, { recursive: true, force: true });
  return summarizeProfile(JSON.parse(readFileSync(kept, 'utf8')), 'verifyAttestation');
}

function benchAdaptive(): Array<{ count: number; inlineMs: number; adaptiveMs: number; pool: number }> {
  const out = [];
  for (const count of QUICK ? [64, 512] : [32, 128, 256, 512, 2000]) {
    log(`adaptive verifier: ${count} verifications at once, inline only vs inline → pool`);
    const inline = Array.from({ length: RUNS }, () => measure<{ ms: number }>('adaptive', { packages: 100, perPackage: FILES_PER_PACKAGE, count, poolAfter: Number.MAX_SAFE_INTEGER }).ms);
    const adaptive = Array.from({ length: RUNS }, () => measure<{ ms: number; counts: { pool: number } }>('adaptive', { packages: 100, perPackage: FILES_PER_PACKAGE, count, poolAfter: 1 }));
    out.push({ count, inlineMs: median(inline), adaptiveMs: median(adaptive.map((a) => a.ms)), pool: median(adaptive.map((a) => a.counts.pool)) });
  }
  return out;
}

async function benchWarm(locks: Locks, index: IndexProcess): Promise<{ files: number; cold: CliRun; runs: CliRun[]; requests: number[]; medianMs: number }> {
  log('warm re-run: 300 packages × 20 files, cache filled by one cold run');
  const dir = scratch('warm-');
  const lock = path.join(dir, 'pylock.toml');
  copyFileSync(locks.warm, lock);
  const args = ['enrich', lock, '--index-url', `${index.origin}/simple`, '--trusted-root', locks.root, '--cache-dir', path.join(dir, 'cache'), '--format', 'json'];
  const cold = await runCli(args);
  if (cold.code !== 0) throw new Error(`warm: the cold run exited ${cold.code}`);
  const runs: CliRun[] = [];
  const requests: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const before = await index.count();
    const run = await runCli(args);
    requests.push((await index.count()) - before);
    if (run.code !== 0 || run.report.lockfiles[0]!.changed) throw new Error(`warm run: exit ${run.code}`);
    runs.push(run);
  }
  rmSync(dir, { recursive: true, force: true });
  return { files: 300 * FILES_PER_PACKAGE, cold, runs, requests, medianMs: median(runs.slice(1).map((r) => r.wallMs)) };
}

async function benchLarge(locks: Locks, index: IndexProcess): Promise<{ files: number; runs: Array<{ wallMs: number; maxRssKiB: number; requests: number }>; medianRssMiB: number; requestsPerFile: number; medianWallMs: number; lockOnly: { loadedMiB: number; editedMiB: number } }> {
  const files = 1000 * FILES_PER_PACKAGE;
  log('memory baseline: peak RSS of reading and splicing the large lockfile alone');
  const lockOnly = measure<{ loadedMiB: number; editedMiB: number }>('lockrss', { lock: locks.large });
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    log(`large cold run ${i + 1}/${RUNS}: 1,000 packages × 20 files, verify on, fresh cache (about a minute)`);
    const dir = scratch('large-');
    const lock = path.join(dir, 'pylock.toml');
    copyFileSync(locks.large, lock);
    const before = await index.count();
    const run = await runCli(['enrich', lock, '--index-url', `${index.origin}/simple`, '--trusted-root', locks.root, '--cache-dir', path.join(dir, 'cache'), '--format', 'json'], path.join(dir, 'rss.json'));
    const requests = (await index.count()) - before;
    const statuses = new Set(run.report.lockfiles[0]!.packages.map((p) => p.status));
    if (run.code !== 0 || [...statuses].join() !== 'verified' || !run.report.lockfiles[0]!.written) throw new Error(`large run: exit ${run.code}, statuses ${[...statuses].join()}`);
    runs.push({ wallMs: run.wallMs, maxRssKiB: run.maxRssKiB!, requests });
    rmSync(dir, { recursive: true, force: true });
  }
  return { files, runs, medianRssMiB: median(runs.map((r) => r.maxRssKiB)) / 1024, requestsPerFile: median(runs.map((r) => r.requests)) / files, medianWallMs: median(runs.map((r) => r.wallMs)), lockOnly };
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

type Row = [measure: string, result: string, baseline: string, target: string, ok: boolean];

function table(rows: Row[]): string {
  const head = ['measure', 'result (median)', 'baseline, same run', 'target', ''];
  const cells = [head, ...rows.map(([m, r, b, t, ok]) => [m, r, b, t, ok ? 'met' : 'MISSED'])];
  const widths = head.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  log(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), ${RUNS} run(s) per measure, ${LATENCY_MS} ms latency`);
  const fixtures = await loadOrMintFixtures(packages(1000, FILES_PER_PACKAGE), log);
  const locks = writeLocks(fixtures.trustedRoot);
  const rewrite = benchRewrite(locks);
  const verify = benchVerify();
  const adaptive = benchAdaptive();
  const index = await startIndex(LATENCY_MS);
  let fetch, warm, large;
  try {
    fetch = benchFetch(locks, index);
    warm = await benchWarm(locks, index);
    large = await benchLarge(locks, index);
  } finally {
    index.close();
  }
  rmSync(path.join(WORK, 'tmp'), { recursive: true, force: true });

  const integrity = fetch['integrity']!;
  const simple = fetch['simple']!;
  const rows: Row[] = [
    ['rewrite (8.5 MB, 1,000 packages)', `${rewrite.ratio.toFixed(2)}× (${rewrite.editMedianMs.toFixed(0)} ms)`, `smol-toml parse() ${rewrite.parseMedianMs.toFixed(0)} ms`, '≤ 2.5×', rewrite.ratio <= 2.5],
    ['cold network, Integrity API (2,000 files)', `${integrity.ratio.toFixed(2)}× (${(integrity.medianMs / 1000).toFixed(2)} s)`, `⌈2000/${CONCURRENCY}⌉ × ${LATENCY_MS} ms = ${(integrity.floorMs / 1000).toFixed(2)} s`, '≤ 1.3×', integrity.ratio <= 1.3],
    ['cold network, Simple API (2,000 files)', `${simple.ratio.toFixed(2)}× (${(simple.medianMs / 1000).toFixed(2)} s)`, `same floor, +1 page per project`, '≤ 1.3×', simple.ratio <= 1.3],
    [`verification, pool of ${verify.runs[0]!.poolSize} (2,000 attestations)`, `${verify.perSecondCold.toFixed(0)}/s cold, ${verify.perSecondWarm.toFixed(0)}/s warm`, `inline ${verify.msInline.toFixed(2)} ms/att (${verify.msUnpatched.toFixed(2)} unpatched)`, '≥ 300/s', verify.perSecondCold >= 300],
    ['warm re-run (300 packages, 6,000 files)', `${(warm.medianMs / 1000).toFixed(2)} s, ${median(warm.requests)} requests`, `cold run ${(warm.cold.wallMs / 1000).toFixed(1)} s, ${warm.cold.report.requests} requests`, '< 1 s, 0 requests', warm.medianMs < 1000 && warm.requests.every((r) => r === 0)],
    ['peak RSS (8.5 MB lockfile, cold, verify on)', `${large.medianRssMiB.toFixed(0)} MiB (wall ${(large.medianWallMs / 1000).toFixed(0)} s)`, `read + splice alone ${large.lockOnly.editedMiB.toFixed(0)} MiB`, '≤ 300 MB', large.medianRssMiB * 1.048576 <= 300],
    ['requests per locked file, cold (20,000 files)', `${large.requestsPerFile.toFixed(3)} (Simple API)`, `Integrity API ${integrity.requestsPerFile.toFixed(3)}`, '≤ 1.05', large.requestsPerFile <= 1.05],
  ];
  const output = table(rows);
  const results = {
    schema: 'pylock-attest/bench@1',
    date: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model,
    runsPerMeasure: RUNS,
    latencyMs: LATENCY_MS,
    concurrency: CONCURRENCY,
    mintedMsPerAttestation: fixtures.mintedMs === undefined ? undefined : round(fixtures.mintedMs / 20_000, 3),
    table: rows.map(([measure, result, baseline, target, ok]) => ({ measure, result, baseline, target, ok })),
    rewrite,
    coldNetwork: fetch,
    verification: verify,
    adaptive,
    warm: { ...warm, cold: { wallMs: warm.cold.wallMs, requests: warm.cold.report.requests }, runs: warm.runs.map((r) => ({ wallMs: r.wallMs, requests: r.report.requests })) },
    large,
    benchSeconds: round((performance.now() - started) / 1000, 1),
  };
  writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const profileLines = verify.profile.groups.map((g) => `  ${g.share.toFixed(0).padStart(3)}%  ${g.name}`).join('\n');
  const adaptiveLines = adaptive.map((a) => `  ${String(a.count).padStart(5)} at once: inline ${a.inlineMs.toFixed(0)} ms, inline→pool ${a.adaptiveMs.toFixed(0)} ms (${a.pool} in the pool)`).join('\n');
  process.stdout.write(`${output}\n\nwhere an inline verification's time goes (${verify.msInline.toFixed(2)} ms, CPU profile, self time):\n${profileLines}\n\nadaptive verifier (bench/.work/verify-*.cpuprofile kept):\n${adaptiveLines}\n\n${RUNS} run(s) per measure; ${(results.benchSeconds / 60).toFixed(1)} min; bench/results.json written\n`);
}

await main();
