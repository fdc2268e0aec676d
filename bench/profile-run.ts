/**
 * Profiles of the goal table's measures, taken the way the bench measures
 * them: whole CLI processes under `--cpu-prof` (every thread), `--trace-gc`
 * and the memory-timeline probe. Writes bench/.work/profiles/<scenario>/
 * (the raw .cpuprofile files, loadable in Chrome DevTools, and summary.json)
 * and prints the summary. docs/benchmarks.md's profiles come from here.
 *
 *   node bench/profile-run.ts warm-large | warm-medium | cold-verify | cold-no-verify | cold-network | help | semi-space
 *
 * Honors BENCH_QUICK=1 (small sizes) like bench/run.ts.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORK } from './fixtures.ts';
import { enrichArgs, scratch, type BenchEnv, type Enriched, type Lock } from './measures.ts';
import { summarizeProfile, summarizeTraceGc, type ProfileSummary } from './profile.ts';
import { expectExit, ROOT, runCli, runNode, type ProcessRun } from './processes.ts';
import { log, machine, prepare } from './setup.ts';
import { median, round } from './stats.ts';

const SEMI_SPACES = [1, 2, 4, 8, 16];

function coldWorkspace(env: BenchEnv, lock: Lock, prefix: string): Enriched {
  const dir = scratch(env, prefix);
  const file = path.join(dir, 'pylock.toml');
  copyFileSync(lock.file, file);
  return { dir, lock: file, cache: path.join(dir, 'cache') };
}

/** One run under --cpu-prof: the main thread's summary, and the workers' merged by thread. */
async function cpuProfile(
  outDir: string,
  name: string,
  run: (flags: string[]) => Promise<ProcessRun>,
): Promise<{ wallMs: number; main: ProfileSummary; workers: ProfileSummary[] }> {
  const dir = path.join(outDir, name);
  mkdirSync(dir, { recursive: true });
  const r = await run(['--cpu-prof', '--cpu-prof-dir', dir]);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
  const thread = (f: string): number => Number(f.split('.').at(-3));
  const summary = (f: string): ProfileSummary => summarizeProfile(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  const mainFile = files.find((f) => thread(f) === 0);
  if (mainFile === undefined) throw new Error(`no main-thread profile in ${dir}`);
  return { wallMs: round(r.wallMs, 0), main: summary(mainFile), workers: files.filter((f) => thread(f) !== 0).map(summary) };
}

/** One run with --trace-gc and the memory timeline (no CPU profiler: it allocates too). */
async function memoryProfile(run: (flags: string[], probe: 'memory') => Promise<ProcessRun>): Promise<unknown> {
  const r = await run(['--trace-gc'], 'memory');
  const memory = r.memory as { maxRssMiB: number; peak: Record<string, { value: number; t: number }>; samples: unknown[] };
  return { wallMs: round(r.wallMs, 0), maxRssMiB: memory.maxRssMiB, peaks: memory.peak, gc: summarizeTraceGc(r.stdout), timeline: thin(memory.samples, 60) };
}

/**
 * Each --max-semi-space-size (and none) once per round, rounds interleaved so
 * that a change in the machine's load hits every setting alike: median wall
 * time and peak RSS per setting.
 */
async function semiSpaceRounds(run: (flags: string[]) => Promise<ProcessRun>, rounds = 5): Promise<Record<string, { wallMs: number; maxRssMiB: number }>> {
  const settings = [undefined, ...SEMI_SPACES];
  const walls = new Map<string, number[]>();
  const rss = new Map<string, number[]>();
  for (let i = 0; i < rounds; i++) {
    for (const n of settings) {
      const key = n === undefined ? 'default' : String(n);
      const r = await run(n === undefined ? [] : [`--max-semi-space-size=${n}`]);
      walls.set(key, [...(walls.get(key) ?? []), r.wallMs]);
      rss.set(key, [...(rss.get(key) ?? []), (r.maxRssKiB ?? NaN) / 1024]);
    }
  }
  return Object.fromEntries([...walls.keys()].map((k) => [k, { wallMs: round(median(walls.get(k)!), 0), maxRssMiB: round(median(rss.get(k)!), 1) }]));
}

const thin = <T>(xs: T[], n: number): T[] => (xs.length <= n ? xs : xs.filter((_, i) => i % Math.ceil(xs.length / n) === 0));

async function warm(env: BenchEnv, which: 'large' | 'medium', outDir: string): Promise<unknown> {
  const lock = env.locks[which];
  const ws = coldWorkspace(env, lock, `warm-${which}`);
  log(`warm-${which}: cold run to fill the cache`);
  expectExit(await runCli(enrichArgs(env, env.index, ws.lock, ws.cache), { scratch: ws.dir }), 0, 'cold run');
  const run = (flags: string[], probe?: 'memory' | 'rss'): Promise<ProcessRun> =>
    runCli(enrichArgs(env, env.index, ws.lock, ws.cache), { scratch: ws.dir, nodeFlags: flags, ...(probe ? { probe } : {}) }).then((r) =>
      expectExit(r, 0, 'warm run'),
    );
  await run([]); // page cache, as in the bench's warm-up pair
  log(`warm-${which}: CPU profile`);
  const cpu = await cpuProfile(outDir, 'cpu', (flags) => run(flags));
  log(`warm-${which}: memory`);
  const memory = await memoryProfile(run);
  log(`warm-${which}: --max-semi-space-size (wall time and peak RSS, interleaved rounds)`);
  const semiSpace = await semiSpaceRounds((flags) => run(flags, 'rss'));
  rmSync(ws.dir, { recursive: true, force: true });
  return { lockfileBytes: lock.bytes, cpu, memory, semiSpace };
}

async function cold(env: BenchEnv, verify: boolean, outDir: string): Promise<unknown> {
  const lock = env.locks.large;
  const run = async (flags: string[], probe?: 'memory'): Promise<ProcessRun> => {
    const ws = coldWorkspace(env, lock, 'cold');
    try {
      return expectExit(
        await runCli(enrichArgs(env, env.index, ws.lock, ws.cache, verify ? [] : ['--no-verify']), {
          scratch: ws.dir,
          nodeFlags: flags,
          ...(probe ? { probe } : {}),
        }),
        0,
        'cold run',
      );
    } finally {
      rmSync(ws.dir, { recursive: true, force: true });
    }
  };
  log(`cold (${verify ? 'verify' : 'no-verify'}): memory timeline and GC trace`);
  const memory = await memoryProfile(run);
  log(`cold (${verify ? 'verify' : 'no-verify'}): CPU profile`);
  const cpu = await cpuProfile(outDir, 'cpu', (flags) => run(flags));
  return { memory, cpu };
}

async function network(env: BenchEnv, outDir: string): Promise<unknown> {
  const lock = env.locks.network;
  const out: Record<string, unknown> = {};
  for (const verify of [true, false]) {
    const name = verify ? 'verify' : 'no-verify';
    log(`cold-network (${name}): CPU profile`);
    out[name] = await cpuProfile(outDir, name, async (flags) => {
      const ws = coldWorkspace(env, lock, 'network');
      try {
        return expectExit(
          await runCli(enrichArgs(env, env.index, ws.lock, ws.cache, verify ? [] : ['--no-verify']), { scratch: ws.dir, nodeFlags: flags }),
          0,
          'cold run',
        );
      } finally {
        rmSync(ws.dir, { recursive: true, force: true });
      }
    });
  }
  return out;
}

async function help(env: BenchEnv, outDir: string): Promise<unknown> {
  const dir = scratch(env, 'help');
  const cpu = await cpuProfile(outDir, 'cpu', (flags) => runCli(['--help'], { scratch: dir, nodeFlags: flags }));
  // What importing each dependency alone costs a fresh process, next to `node -e 0`.
  const imports: Record<string, number> = {};
  for (const [name, code] of [
    ['node -e 0', '0'],
    ['import dist/cli/main.js', "import './dist/cli/main.js'"],
  ] as const) {
    const walls: number[] = [];
    for (let i = 0; i < 7; i++)
      walls.push(expectExit(await runNode('-e', [code], { scratch: dir, cwd: ROOT, nodeFlags: ['--input-type=module'] }), 0, name).wallMs);
    imports[name] = round(median(walls), 0);
  }
  return { cpu, importWallMs: imports };
}

/** Peak RSS and wall time of a cold run (verifying, then --no-verify) for each --max-semi-space-size. */
async function semiSpace(env: BenchEnv): Promise<unknown> {
  const lock = env.locks.large;
  const out: Array<{ semiSpaceMiB: number | 'default'; verify: boolean; maxRssMiB: number; wallMs: number }> = [];
  for (const verify of [true, false]) {
    for (const n of [undefined, ...SEMI_SPACES]) {
      log(`semi-space ${n ?? 'default'} (${verify ? 'verify' : 'no-verify'})`);
      const ws = coldWorkspace(env, lock, 'semi');
      const r = expectExit(
        await runCli(enrichArgs(env, env.index, ws.lock, ws.cache, verify ? [] : ['--no-verify']), {
          scratch: ws.dir,
          probe: 'rss',
          nodeFlags: n === undefined ? [] : [`--max-semi-space-size=${n}`],
        }),
        0,
        'cold run',
      );
      rmSync(ws.dir, { recursive: true, force: true });
      out.push({ semiSpaceMiB: n ?? 'default', verify, maxRssMiB: round((r.maxRssKiB ?? NaN) / 1024, 1), wallMs: round(r.wallMs, 0) });
    }
  }
  return out;
}

const scenario = process.argv[2] ?? '';
const SCENARIOS: Record<string, (env: BenchEnv, outDir: string) => Promise<unknown>> = {
  'warm-large': (env, out) => warm(env, 'large', out),
  'warm-medium': (env, out) => warm(env, 'medium', out),
  'cold-verify': (env, out) => cold(env, true, out),
  'cold-no-verify': (env, out) => cold(env, false, out),
  'cold-network': network,
  help,
  'semi-space': semiSpace,
};
const go = SCENARIOS[scenario];
if (go === undefined) throw new Error(`usage: node bench/profile-run.ts ${Object.keys(SCENARIOS).join('|')}`);
const outDir = path.join(WORK, 'profiles', scenario);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const started = Date.now();
const info = machine();
const bench = await prepare(`profile-${scenario}`);
try {
  const found = await go(bench.env, outDir);
  const result = {
    scenario,
    date: new Date().toISOString(),
    machine: info,
    ...(Array.isArray(found) ? { runs: found } : (found as object)),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(path.join(outDir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await bench.close();
}
