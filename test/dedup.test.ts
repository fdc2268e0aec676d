/**
 * Many lockfiles in one run: one provenance client, so every distinct
 * file is fetched (and every project page read) once however many
 * lockfiles pin it. Counted by the fake index itself.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrich } from '../src/app/enrich.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, releaseProvenance } from './support/mint.ts';
import { tempDir } from './support/workspace.ts';

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name];

interface Dist {
  project: string;
  version: string;
  filename: string;
  sha256: string;
  attested: boolean;
}

const P1_SDIST: Dist = { project: 'p1', version: '1.0', filename: 'p1-1.0.tar.gz', sha256: '1'.repeat(64), attested: true };
const P1_WHEEL: Dist = { project: 'p1', version: '1.0', filename: 'p1-1.0-py3-none-any.whl', sha256: '2'.repeat(64), attested: true };
const P2_WHEEL: Dist = { project: 'p2', version: '2.0', filename: 'p2-2.0-py3-none-any.whl', sha256: '3'.repeat(64), attested: true };
const P3_SDIST: Dist = { project: 'p3', version: '3.0', filename: 'p3-3.0.tar.gz', sha256: '4'.repeat(64), attested: true };
const P4_WHEEL: Dist = { project: 'p4', version: '4.0', filename: 'p4-4.0-py3-none-any.whl', sha256: '5'.repeat(64), attested: false };
const ALL = [P1_SDIST, P1_WHEEL, P2_WHEEL, P3_SDIST, P4_WHEEL];

function pkg(dists: Dist[]): string {
  const [first] = dists;
  const lines = [`[[packages]]`, `name = "${first!.project}"`, `version = "${first!.version}"`];
  const sdist = dists.find((d) => d.filename.endsWith('.tar.gz'));
  if (sdist) lines.push(`sdist = { url = "https://files.example/${sdist.filename}", hashes = { sha256 = "${sdist.sha256}" } }`);
  const wheels = dists.filter((d) => d.filename.endsWith('.whl'));
  if (wheels.length > 0)
    lines.push(`wheels = [${wheels.map((w) => `{ url = "https://files.example/${w.filename}", hashes = { sha256 = "${w.sha256}" } }`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

const lockOf = (...packages: Dist[][]): string => `lock-version = "1.0"\ncreated-by = "test"\n\n${packages.map(pkg).join('\n')}`;

describe('cross-lockfile de-duplication', () => {
  const ws = tempDir();
  let index: FakeIndex;
  let root: string;
  let paths: string[];

  beforeAll(async () => {
    const sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    const files: FakeFile[] = [];
    for (const d of ALL) {
      const provenance = d.attested ? await releaseProvenance(sigstore, d) : null;
      files.push({ project: d.project, version: d.version, filename: d.filename, sha256: d.sha256, provenance });
    }
    index = await startFakeIndex({ files, latencyMs: 5 });
    paths = [
      ws.file('a.pylock.toml', lockOf([P1_SDIST, P1_WHEEL], [P2_WHEEL])),
      ws.file('b.pylock.toml', lockOf([P1_SDIST, P1_WHEEL], [P3_SDIST])),
      ws.file('c.pylock.toml', lockOf([P2_WHEEL], [P3_SDIST], [P4_WHEEL])),
      ws.file('d.pylock.toml', lockOf([P1_SDIST, P1_WHEEL], [P2_WHEEL], [P3_SDIST], [P4_WHEEL])),
    ];
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  /** 12 locked files across 4 lockfiles, 5 distinct files of 4 projects, 4 of them attested. */
  const LOCKED_FILES = 3 + 3 + 3 + 5;

  it('Simple API: one page per project and one provenance request per attested file, for the whole run', async () => {
    const before = index.requests.length;
    const result = await enrich(paths, { indexUrl: index.simpleUrl, trustedRoot: root, dryRun: true, concurrency: 3 });
    const sent = index.requests.slice(before).map((r) => r.path);
    expect(sent.filter((p) => p.startsWith('/simple/')).sort()).toEqual(['/simple/p1/', '/simple/p2/', '/simple/p3/', '/simple/p4/']);
    expect(sent.filter((p) => p.startsWith('/provenance/'))).toHaveLength(4);
    expect(new Set(sent).size).toBe(sent.length); // nothing asked twice
    expect(result.requests).toBe(8);
    expect(result.requests / LOCKED_FILES).toBeLessThan(1);
    expect(result.exitCode).toBe(0);
    for (const lock of result.lockfiles) {
      for (const p of lock.packages) expect(p.status).toBe(p.name === 'p4' ? 'no-provenance' : 'verified');
    }
  });

  it('Integrity API: exactly one request per distinct file, whichever lockfiles pin it', async () => {
    const before = index.requests.length;
    const result = await enrich(paths, { indexUrl: index.simpleUrl, trustedRoot: root, dryRun: true, provenanceSource: 'integrity' });
    const sent = index.requests
      .slice(before)
      .map((r) => r.path)
      .sort();
    expect(sent).toEqual(ALL.map((d) => `/integrity/${d.project}/${d.version}/${d.filename}/provenance`).sort());
    expect(result.requests).toBe(ALL.length);
  });

  it('progress: the total before the first request, each locked file once, done === total only at the end', async () => {
    type Event = { request: true } | { done: number; total: number };
    const run = async (files: string[], cacheDir: string): Promise<Event[]> => {
      const events: Event[] = [];
      const onProgress = (p: { done: number; total: number }) => void events.push({ ...p });
      const onRequest = () => void events.push({ request: true });
      await enrich(files, {
        indexUrl: index.simpleUrl,
        trustedRoot: root,
        dryRun: true,
        provenanceSource: 'integrity',
        cache: true,
        cacheDir,
        onProgress,
        onRequest,
      });
      return events;
    };
    const check = (events: Event[], total: number, keptAtLeast: number): void => {
      const progress = events.filter((e) => 'done' in e);
      const first = events.findIndex((e) => 'request' in e);
      const before = progress.filter((e) => events.indexOf(e) < first);
      expect(before.length, 'the total is told before any request').toBeGreaterThan(0);
      expect(before.every((p) => p.total === total)).toBe(true);
      expect(before.at(-1)!.done).toBeGreaterThanOrEqual(keptAtLeast);
      expect(before.at(-1)!.done).toBeLessThan(total);
      const done = progress.map((p) => p.done).filter((d, i, all) => i === 0 || d !== all[i - 1]);
      expect(done.at(-1)).toBe(total);
      expect(done).toEqual(Array.from({ length: done.length }, (_, i) => done[0]! + i)); // one file at a time
      expect(progress.filter((p) => p.done === p.total)).toHaveLength(1);
      expect(progress.every((p) => p.total === total)).toBe(true);
    };
    const cacheDir = join(ws.dir, 'progress-cache');
    check(await run(paths, join(ws.dir, 'cold-cache')), LOCKED_FILES, 0); // cold: nothing kept
    await run([paths[0]!], cacheDir); // p1's and p2's files kept
    check(await run(paths, cacheDir), LOCKED_FILES, 3 + 2 + 1 + 3); // kept outcomes told first, then the lookups
  });

  it('the same lockfile named twice costs nothing more', async () => {
    const before = index.requests.length;
    const result = await enrich([paths[3]!, paths[3]!], { indexUrl: index.simpleUrl, trustedRoot: root, dryRun: true });
    expect(index.requests.length - before).toBe(8);
    expect(result.lockfiles).toHaveLength(2);
    expect(result.lockfiles[0]!.newText).toBe(result.lockfiles[1]!.newText);
  });
});
