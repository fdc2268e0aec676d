/**
 * The benchmark's index, in its own process so that its work never shares
 * an event loop with what is measured: the fake index from test/support
 * serving the minted provenance with a fixed latency per request, ETags and
 * 304s on every answer (as PyPI's CDN does), and the max-age the measure
 * asks for (600 s, PyPI's, unless a measure needs it to pass quickly).
 *
 * Talks to bench/run.ts over IPC: `{ origin }` once listening; asked
 * `{ since: n }`, answers `{ total, byStatus }` for the requests from the
 * n-th on (their answers all sent: the measured process has exited by then).
 *
 * Usage (by bench/index-process.ts):
 *   node bench/serve-index.ts '{"packages":1000,"perPackage":20,"latencyMs":50,"maxAge":600}'
 */
import { startFakeIndex, type FakeFile } from '../test/support/fake-index.ts';
import { loadOrMintFixtures } from './fixtures.ts';
import { packages } from './generate.ts';

export interface IndexConfig {
  packages: number;
  perPackage: number;
  latencyMs: number;
  maxAge: number;
}

export interface RequestTally {
  total: number;
  byStatus: Record<string, number>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as IndexConfig;
const list = packages(config.packages, config.perPackage);
const fixtures = await loadOrMintFixtures(list, () => undefined);
const files: FakeFile[] = list.flatMap((p) => p.files.map((f) => ({ ...f, provenance: fixtures.provenance[f.filename] })));
const index = await startFakeIndex({ files, latencyMs: config.latencyMs, maxAge: config.maxAge });

function tally(from: number): RequestTally {
  const byStatus: Record<string, number> = {};
  const seen = index.requests.slice(from);
  for (const r of seen) byStatus[String(r.status ?? 'unanswered')] = (byStatus[String(r.status ?? 'unanswered')] ?? 0) + 1;
  return { total: seen.length, byStatus };
}

process.on('message', (m: { since?: number; close?: boolean }) => {
  if (typeof m.since === 'number') process.send!(tally(m.since));
  if (m.close === true) void index.close().then(() => process.exit(0));
});
process.on('disconnect', () => void index.close().then(() => process.exit(0)));
process.send!({ origin: index.origin });
