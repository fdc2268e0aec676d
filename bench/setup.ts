/**
 * What every bench process needs: the configuration (from the environment),
 * the minted fixtures, the lockfiles, and the loopback index. Used by
 * bench/run.ts (the goal table) and bench/profile-run.ts (the profiles).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import path from 'node:path';
import { loadOrMintFixtures, WORK } from './fixtures.ts';
import { lockfileText, packages } from './generate.ts';
import type { BenchConfig, BenchEnv, Lock } from './measures.ts';
import { startIndex } from './processes.ts';
import { round } from './stats.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

export const config: BenchConfig = {
  quick: QUICK,
  pairs: num('BENCH_PAIRS', QUICK ? 3 : 5),
  coldRuns: num('BENCH_COLD_RUNS', QUICK ? 1 : 3),
  staleRuns: QUICK ? 1 : 2,
  latencyMs: num('BENCH_LATENCY_MS', 50),
  concurrency: 16,
  perPackage: 20,
  large: QUICK ? 100 : 1000,
  medium: QUICK ? 30 : 300,
  network: QUICK ? 16 : 100,
  shortMaxAge: 1,
};

export const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

export function machine(): Record<string, unknown> {
  return {
    cpus: availableParallelism(),
    model: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${release()}`,
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };
}

function writeLock(dir: string, name: string, count: number): Lock {
  const list = packages(count, config.perPackage);
  const file = path.join(dir, `${name}-${count}x${config.perPackage}.pylock.toml`);
  const text = lockfileText(list);
  writeFileSync(file, text);
  return { file, packages: list, bytes: Buffer.byteLength(text), files: count * config.perPackage };
}

/**
 * Fixtures minted (or loaded), lockfiles and the trusted root written, the
 * index started; `close` stops it and removes the scratch dirs. Everything
 * written goes under bench/.work/<workName>/, so that a profile run beside a
 * bench run (or a quick one, whose trusted root differs) never rewrites a
 * file the other is reading.
 */
export async function prepare(workName: string): Promise<{ env: BenchEnv; close(): Promise<void> }> {
  const fixtures = await loadOrMintFixtures(packages(config.large, config.perPackage), log);
  const work = path.join(WORK, workName);
  rmSync(work, { recursive: true, force: true });
  const inputs = path.join(work, 'inputs');
  mkdirSync(inputs, { recursive: true });
  const trustedRoot = path.join(inputs, 'trusted_root.json');
  writeFileSync(trustedRoot, JSON.stringify(fixtures.trustedRoot));
  const locks = {
    large: writeLock(inputs, 'large', config.large),
    medium: writeLock(inputs, 'medium', config.medium),
    network: writeLock(inputs, 'network', config.network),
  };
  const indexConfig = { packages: config.large, perPackage: config.perPackage, latencyMs: config.latencyMs };
  const index = await startIndex({ ...indexConfig, maxAge: 600 });
  const env: BenchEnv = { config, locks, trustedRoot, index, startShortIndex: () => startIndex({ ...indexConfig, maxAge: config.shortMaxAge }), work, log };
  return {
    env,
    async close() {
      await index.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
