/**
 * `npm run bench`: issue 15's goal table, measured as users run it, on this
 * machine with no internet (docs/benchmarks.md says what each measure means).
 *
 * 1. Synthetic lockfiles (bench/generate.ts): 1,000 packages × 20 files
 *    (8.4 MB), 300 × 20, and 100 × 20 (2,000 files).
 * 2. Provenance that really verifies, minted against a mock Sigstore, with
 *    its trusted root (bench/fixtures.ts; minted once, kept in bench/.work/).
 * 3. A loopback index with a fixed latency per request, in its own process
 *    (bench/serve-index.ts), counting requests and their statuses.
 * 4. Every sample a fresh process of the built CLI; every baseline a fresh
 *    process measured in the same run, alternating with it (bench/measures.ts).
 * 5. The table on stdout; bench/results.json with the machine and every sample.
 *
 * Environment: BENCH_QUICK=1 (small sizes, few runs: a smoke run, marked
 * quick), BENCH_PAIRS (default 5), BENCH_COLD_RUNS (default 3),
 * BENCH_LATENCY_MS (default 50), BENCH_ONLY=id,id (a subset of the measures).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { coldRssMeasure, helpMeasure, networkMeasure, staleMeasure, warmChangedMeasure, warmMeasure, warmMediumMeasure } from './measures.ts';
import { config, log, machine, prepare } from './setup.ts';
import { failedResult, renderTable, round, type MeasureResult } from './stats.ts';

const QUICK = config.quick;
const ONLY = process.env['BENCH_ONLY']?.split(',');
const HERE = import.meta.dirname;

async function main(): Promise<void> {
  const started = performance.now();
  const info = machine();
  log(`node ${process.version}, ${info['cpus']} cores (${info['model']}), load ${(info['loadAverageAtStart'] as number[]).join(' ')}${QUICK ? ', QUICK' : ''}`);
  const bench = await prepare('tmp');
  const { env } = bench;
  const { locks } = env;

  const results: MeasureResult[] = [];
  const wanted = (id: string): boolean => ONLY === undefined || ONLY.includes(id);
  const attempt = async (r: Pick<MeasureResult, 'id' | 'title' | 'goal' | 'unit'>, go: () => Promise<MeasureResult>): Promise<void> => {
    if (!wanted(r.id)) return;
    log(`${r.id}: ${r.title}`);
    try {
      results.push(await go());
    } catch (e) {
      log(`${r.id} could not run: ${e instanceof Error ? e.message : String(e)}`);
      results.push(failedResult(r, e));
    }
  };
  try {
    // The first verifying cold run leaves an enriched lockfile and a full cache (fresh: max-age 600 s): the warm measure starts there.
    // Then the changed-text measure on the same workspace (it appends to the lockfile, so it comes last).
    let warm: MeasureResult | undefined;
    let changed: MeasureResult | undefined;
    const warmLarge = { id: 'warm-large', title: 'warm pre-commit run, 8.5 MB', goal: '≤ 2.0× bare parse; 0 requests', unit: 'ms' } as const;
    const warmChanged = { id: 'warm-changed', title: 'warm run, 8.5 MB, the text changed', goal: '≤ 2.0× bare parse (context)', unit: 'ms' } as const;
    await attempt({ id: 'cold-rss-verify', title: 'cold enrich, verification on: peak RSS', goal: '≤ 250 MiB', unit: 'MiB' }, () =>
      coldRssMeasure(env, true, async (ws) => {
        if (wanted(warmLarge.id)) {
          log(`${warmLarge.id}: ${warmLarge.title}`);
          warm = await warmMeasure(env, warmLarge.id, locks.large, ws).catch((e: unknown) => failedResult(warmLarge, e));
        }
        if (wanted(warmChanged.id)) {
          log(`${warmChanged.id}: ${warmChanged.title}`);
          changed = await warmChangedMeasure(env, locks.large, ws).catch((e: unknown) => failedResult(warmChanged, e));
        }
      }),
    );
    const needsCold = 'needs the first cold-rss-verify run to have succeeded';
    if (wanted(warmLarge.id)) results.push(warm ?? failedResult(warmLarge, needsCold));
    if (wanted(warmChanged.id)) results.push(changed ?? failedResult(warmChanged, needsCold));
    await attempt({ id: 'warm-medium', title: 'warm pre-commit run, 300 packages', goal: '≤ 2.0× bare parse; 0 requests', unit: 'ms' }, () =>
      warmMediumMeasure(env),
    );
    await attempt({ id: 'after-max-age', title: 'warm run after max-age', goal: 'revalidation only; 0 re-verifications', unit: 'count' }, () =>
      staleMeasure(env),
    );
    await attempt({ id: 'cold-rss-no-verify', title: 'cold enrich, --no-verify: peak RSS', goal: '≤ 200 MiB', unit: 'MiB' }, () => coldRssMeasure(env, false));
    await attempt({ id: 'cold-network', title: 'cold network', goal: '≤ 1.3× the floor', unit: 'ms' }, () => networkMeasure(env));
    await attempt({ id: 'help', title: '--help', goal: '≤ 1.5× node -e 0', unit: 'ms' }, () => helpMeasure(env));
  } finally {
    await bench.close();
  }

  const order = ['warm-large', 'warm-changed', 'warm-medium', 'after-max-age', 'cold-rss-verify', 'cold-rss-no-verify', 'cold-network', 'help'];
  results.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const seconds = round((performance.now() - started) / 1000, 1);
  const goals = results.filter((r) => r.context !== true);
  const out = {
    schema: 'pylock-attest/bench@2',
    date: new Date().toISOString(),
    quick: QUICK,
    machine: { ...info, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) },
    config,
    lockfiles: Object.fromEntries(Object.entries(locks).map(([k, l]) => [k, { packages: l.packages.length, files: l.files, bytes: l.bytes }])),
    measures: results,
    met: goals.filter((r) => r.met).length,
    missed: goals.filter((r) => !r.met).map((r) => r.id),
    benchSeconds: seconds,
  };
  writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(
    `${renderTable(results)}\n\n${QUICK ? "QUICK run (small sizes, few runs): not the goal table's numbers. " : ''}${goals.filter((r) => r.met).length} of ${goals.length} goals met; ${(seconds / 60).toFixed(1)} min; load average ${(info['loadAverageAtStart'] as number[]).join(' ')} at start; bench/results.json written\n`,
  );
}

await main();
