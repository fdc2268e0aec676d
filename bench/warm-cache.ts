/**
 * How long a warm run spends on its caches: `enrich --offline` on a
 * lockfile whose every file's outcome is cached (1,000 packages × 20 files
 * by default: the 8.5 MB lockfile), as a whole process, against a bare
 * `node` that reads the same file and runs smol-toml `parse()`, measured in
 * alternation in the same run.
 *
 * With BASELINE_BIN=<path to another build's bin/pylock-attest.js> the
 * same is measured for that build too, alternating with this one (each with
 * a cache it filled itself): before/after numbers from one machine state.
 *
 * From three CPU profiles per build (medians): the time under the cache
 * store modules and under app/outcome-cache (inclusive, milliseconds), the
 * steadier figure on a busy machine.
 *
 * Usage: npm run build && node bench/warm-cache.ts [packages=1000] [runs=5]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeIndex, type FakeFile } from '../test/support/fake-index.ts';
import { loadOrMintFixtures, WORK } from './fixtures.ts';
import { lockfileText, packages } from './generate.ts';

const [count = '1000', runsArg = '5'] = process.argv.slice(2);
const RUNS = Number(runsArg);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (s: string): void => void process.stderr.write(`warm-cache: ${s}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const builds: Array<{ name: string; bin: string }> = [{ name: 'this build', bin: path.join(ROOT, 'bin/pylock-attest.js') }];
if (process.env['BASELINE_BIN']) builds.push({ name: 'baseline', bin: path.resolve(process.env['BASELINE_BIN']) });

const list = packages(Number(count), 20);
const fixtures = await loadOrMintFixtures(list, log);
mkdirSync(path.join(WORK, 'tmp'), { recursive: true });
const dir = mkdtempSync(path.join(WORK, 'tmp', 'warm-cache-'));
const lockText = lockfileText(list);
const root = path.join(dir, 'trusted_root.json');
writeFileSync(root, JSON.stringify(fixtures.trustedRoot));
const env = { PATH: process.env['PATH'] ?? '', HOME: dir, NO_COLOR: '1', PYLOCK_ATTEST_STATE_DIR: path.join(dir, 'state') };
const files: FakeFile[] = list.flatMap((p) => p.files.map((f) => ({ ...f, provenance: fixtures.provenance[f.filename] })));
const index = await startFakeIndex({ files });

/** Each build's lockfile, cache and arguments. Offline runs send nothing, but their keys name the index the cold run used. */
const setups = builds.map((b, i) => {
  const lock = path.join(dir, `pylock-${i}.toml`);
  writeFileSync(lock, lockText);
  return {
    ...b,
    lock,
    args: [
      b.bin,
      'enrich',
      lock,
      '--trusted-root',
      root,
      '--cache-dir',
      path.join(dir, `cache-${i}`),
      '--format',
      'json',
      '--index-url',
      `${index.origin}/simple`,
    ],
  };
});

for (const s of setups) {
  log(`${s.name}: cold run to fill the cache (${files.length} files, verification on)`);
  // Not spawnSync: the index answers from this process's event loop.
  const child = spawn(process.execPath, s.args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${s.name}: cold run exited ${code}: ${stderr.slice(0, 2000)}`);
}
await index.close();

function timed(args: string[]): { ms: number; code: number | null; stdout: string; stderr: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { env, cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ms: performance.now() - started, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const parseScript = `import { readFileSync } from 'node:fs'; import { parse } from 'smol-toml'; parse(readFileSync(${JSON.stringify(setups[0]!.lock)}, 'utf8'));`;
const times = new Map<string, number[]>([['bare parse', []], ...setups.map((s) => [s.name, []] as [string, number[]])]);
for (let i = 0; i < RUNS + 1; i++) {
  const bare = timed(['--input-type=module', '-e', parseScript]);
  const warm = setups.map((s) => {
    const r = timed([...s.args, '--offline']);
    if (r.code !== 0 || (JSON.parse(r.stdout) as { requests: number }).requests !== 0)
      throw new Error(`${s.name}: warm run exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
    return r.ms;
  });
  if (i === 0) continue; // the first round warms the page cache
  times.get('bare parse')!.push(bare.ms);
  for (const [k, s] of setups.entries()) times.get(s.name)!.push(warm[k]!);
}

const CACHE_CODE = [/\/dist\/io\/(cache-log|segment-store|cache-store|cache-access)\.js$/, /\/dist\/app\/outcome-cache\.js$/];
const bareMs = median(times.get('bare parse')!);
const out = {
  files: files.length,
  lockMiB: Number((Buffer.byteLength(lockText) / 1048576).toFixed(1)),
  runs: RUNS,
  bareParseMedianMs: Math.round(bareMs),
  builds: setups.map((s) => {
    // Three profiles, the median of each figure: one run's profile is as noisy as its wall time.
    const profiles = Array.from({ length: 3 }, (_, i) => {
      const profDir = path.join(dir, `prof-${s.name.replace(/\W/g, '')}-${i}`);
      timed(['--cpu-prof', '--cpu-prof-dir', profDir, ...s.args, '--offline']);
      return inclusiveMs(JSON.parse(readFileSync(path.join(profDir, readdirSync(profDir)[0]!), 'utf8')) as CpuProfile, CACHE_CODE);
    });
    const [store, outcomes, total] = [0, 1, 2].map((k) => median(profiles.map((p) => p[k]!)));
    const ms = times.get(s.name)!;
    return {
      name: s.name,
      warmMedianMs: Math.round(median(ms)),
      ratioToBareParse: Number((median(ms) / bareMs).toFixed(2)),
      warmRunsMs: ms.map(Math.round),
      profileMs: { underCacheStore: store, underOutcomeCache: outcomes, total },
    };
  }),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds of samples with a frame from a file matching each pattern on their stack; the last entry is the profile's total. */
function inclusiveMs(p: CpuProfile, patterns: RegExp[]): number[] {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const url = new Map(p.nodes.map((n) => [n.id, n.callFrame.url]));
  const sums = patterns.map(() => 0);
  let total = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    total += us;
    const hit = patterns.map(() => false);
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const u = url.get(at) ?? '';
      patterns.forEach((re, k) => {
        if (re.test(u)) hit[k] = true;
      });
    }
    hit.forEach((h, k) => {
      if (h) sums[k]! += us;
    });
  });
  return [...sums, total].map((us) => Math.round(us / 1000));
}
