/**
 * How long a warm run spends loading its caches: `enrich --offline` on a
 * lockfile whose every file's outcome is cached (1,000 packages × 20 files by
 * default, the 8.5 MB lockfile), as a whole process, against a bare
 * `node` that reads the same file and runs smol-toml `parse()`.
 *
 * Also reports, from a CPU profile of one warm run, the time spent under
 * src/io (the cache store) and app/outcome-cache (decoding entries).
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
const BIN = path.join(ROOT, 'bin/pylock-attest.js');
const log = (s: string): void => void process.stderr.write(`warm-cache: ${s}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const list = packages(Number(count), 20);
const fixtures = await loadOrMintFixtures(list, log);
mkdirSync(path.join(WORK, 'tmp'), { recursive: true });
const dir = mkdtempSync(path.join(WORK, 'tmp', 'warm-cache-'));
const lock = path.join(dir, 'pylock.toml');
const root = path.join(dir, 'trusted_root.json');
writeFileSync(lock, lockfileText(list));
writeFileSync(root, JSON.stringify(fixtures.trustedRoot));
const env = { PATH: process.env['PATH'] ?? '', HOME: dir, NO_COLOR: '1', PYLOCK_ATTEST_STATE_DIR: path.join(dir, 'state') };
const common = [lock, '--trusted-root', root, '--cache-dir', path.join(dir, 'cache'), '--format', 'json'];
const files: FakeFile[] = list.flatMap((p) => p.files.map((f) => ({ ...f, provenance: fixtures.provenance[f.filename] })));
const index = await startFakeIndex({ files });
// Offline runs send nothing, but their cache keys name the index the cold run used.
common.push('--index-url', `${index.origin}/simple`);

function run(args: string[], nodeArgs: string[] = []): { ms: number; code: number | null; stdout: string; stderr: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [...nodeArgs, ...args], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ms: performance.now() - started, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

log(`cold run to fill the cache: ${files.length} files, verification on`);
// Not spawnSync: the index answers from this process's event loop.
const started = performance.now();
const child = spawn(process.execPath, [BIN, 'enrich', ...common], { env, stdio: ['ignore', 'ignore', 'pipe'] });
let coldErr = '';
child.stderr.on('data', (d) => (coldErr += d));
const cold = { code: await new Promise<number | null>((resolve) => child.on('close', resolve)), ms: performance.now() - started, stderr: coldErr };
await index.close();
if (cold.code !== 0) throw new Error(`cold run exited ${cold.code}: ${cold.stderr.slice(0, 2000)}`);
log(`cold run: ${(cold.ms / 1000).toFixed(1)} s`);

const parseScript = `import { readFileSync } from 'node:fs'; import { parse } from 'smol-toml'; parse(readFileSync(${JSON.stringify(lock)}, 'utf8'));`;
const warm: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS + 1; i++) {
  const w = run([BIN, 'enrich', ...common, '--offline']);
  if (w.code !== 0 || JSON.parse(w.stdout).requests !== 0) throw new Error(`warm run exited ${w.code}: ${w.stderr.slice(0, 2000)}`);
  const started = performance.now();
  spawnSync(process.execPath, ['--input-type=module', '-e', parseScript], { cwd: ROOT });
  if (i > 0) {
    warm.push(w.ms);
    bare.push(performance.now() - started);
  }
}

const profDir = path.join(dir, 'prof');
run([BIN, 'enrich', ...common, '--offline'], ['--cpu-prof', '--cpu-prof-dir', profDir]);
const profile = JSON.parse(readFileSync(path.join(profDir, readdirSync(profDir)[0]!), 'utf8')) as CpuProfile;
const inclusive = inclusiveMs(profile, [/\/dist\/io\/(cache-log|segment-store|cache-store|cache-key)[^/]*\.js$/, /\/dist\/app\/outcome-cache\.js$/, /\/dist\/verify\/verdict-cache\.js$/]);

const out = {
  files: files.length,
  lockMiB: Number((readFileSync(lock).length / 1048576).toFixed(1)),
  warmMedianMs: Math.round(median(warm)),
  bareParseMedianMs: Math.round(median(bare)),
  ratio: Number((median(warm) / median(bare)).toFixed(2)),
  profileMs: { cacheStore: inclusive[0], outcomeCache: inclusive[1], verdictCache: inclusive[2], total: inclusive.at(-1) },
  warmRunsMs: warm.map(Math.round),
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
      patterns.forEach((re, k) => {
        if (re.test(url.get(at!) ?? '')) hit[k] = true;
      });
    }
    hit.forEach((h, k) => {
      if (h) sums[k]! += us;
    });
  });
  return [...sums, total].map((us) => Math.round(us / 1000));
}
