/**
 * The benchmark's index, in its own process so that its work never shares
 * an event loop or a core's timeslice with what is measured: the fake
 * index from test/support serving the minted provenance, with a fixed
 * latency per request. Talks to bench/run.ts over IPC:
 * `{ origin }` once listening, `{ count }` in answer to `'count'`.
 *
 * Usage (by run.ts): node bench/serve-index.ts <packages> <files-per-package> <latency-ms>
 */
import { startFakeIndex, type FakeFile } from '../test/support/fake-index.ts';
import { loadOrMintFixtures } from './fixtures.ts';
import { packages } from './generate.ts';

const [count = '1000', perPackage = '20', latency = '50'] = process.argv.slice(2);
const list = packages(Number(count), Number(perPackage));
const fixtures = await loadOrMintFixtures(list, () => undefined);
const files: FakeFile[] = list.flatMap((p) => p.files.map((f) => ({ ...f, provenance: fixtures.provenance[f.filename] })));
const index = await startFakeIndex({ files, latencyMs: Number(latency) });

process.on('message', (m) => {
  if (m === 'count') process.send!({ count: index.requests.length });
  if (m === 'close') void index.close().then(() => process.exit(0));
});
process.on('disconnect', () => void index.close().then(() => process.exit(0)));
process.send!({ origin: index.origin });
