/**
 * When a warm run asks the index, and what it re-does (docs/decisions.md,
 * "When a warm run asks the index"), through the built CLI:
 *
 * - `enrich` within the index's max-age: no request; its kept file outcomes
 *   answer.
 * - `enrich` after max-age: every answer revalidated (If-None-Match → 304),
 *   none downloaded again, no attestation verified again.
 * - `check` (the CI gate): every answer revalidated even while fresh; no
 *   kept outcome stands in for the index.
 *
 * "Time passes" without sleeping: the entries' freshness limits are moved
 * into the past through the store itself, with this machine's key, the way
 * a later run would find them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKey } from '../src/io/cache-access.js';
import { CacheStore } from '../src/io/cache-store.js';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, releaseProvenance } from './support/mint.ts';
import { runCli } from './support/run-cli.ts';
import { sdistFiles, sdistLockfile, tempDir } from './support/workspace.ts';

const FILES = sdistFiles('fresh', 3, 1);
const LOCK = sdistLockfile(FILES);
/** One page and one provenance answer per file (Simple API on a loopback index). */
const ANSWERS = FILES.length * 2;

describe('when a warm run asks the index', () => {
  const ws = tempDir();
  let index: FakeIndex;
  let root: string;
  let lock: string;
  const cacheDir = join(ws.dir, 'cache');
  const stateDir = join(ws.dir, 'state');

  beforeAll(async () => {
    const sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    index = await startFakeIndex({ files: await Promise.all(FILES.map(async (f) => ({ ...f, provenance: await releaseProvenance(sigstore, f) }))) });
    lock = ws.file('pylock.toml', LOCK);
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  async function run(command: 'enrich' | 'check'): Promise<{ code: number | null; requests: Array<{ path: string; conditional: boolean }> }> {
    const before = index.requests.length;
    const extra = command === 'enrich' ? ['--format', 'json'] : [];
    const r = await runCli([command, lock, '--index-url', index.simpleUrl, '--trusted-root', root, '--cache-dir', cacheDir, ...extra], {
      env: { PYLOCK_ATTEST_STATE_DIR: stateDir },
    });
    const requests = index.requests.slice(before).map((q) => ({ path: q.path, conditional: typeof q.headers['if-none-match'] === 'string' }));
    return { code: r.code, requests };
  }

  /** Verdict segments on disk: a verification that ran would have added one (every verified attestation is kept). */
  const verdictSegments = (): number =>
    existsSync(join(cacheDir, 'verdicts-v2')) ? readdirSync(join(cacheDir, 'verdicts-v2')).filter((f) => f.endsWith('.idx')).length : 0;

  it('cold, then within max-age: no request; after max-age: revalidation only, nothing verified again; check: always asks', async () => {
    const cold = await run('enrich');
    expect(cold.code).toBe(0);
    expect(cold.requests).toHaveLength(ANSWERS);
    expect(verdictSegments()).toBe(1);

    const warm = await run('enrich');
    expect([warm.code, warm.requests]).toEqual([0, []]);

    expireEverything(cacheDir, loadOrCreateKey(stateDir));
    const later = await run('enrich');
    expect(later.code).toBe(0);
    expect(later.requests).toHaveLength(ANSWERS);
    expect(later.requests.every((q) => q.conditional)).toBe(true); // the fake index answers each with 304 (its ETag is unchanged)
    expect(verdictSegments()).toBe(1); // no attestation verified again

    // The 304s made every answer fresh again: enrich would not ask now; check asks anyway.
    expect((await run('enrich')).requests).toEqual([]);
    const gate = await run('check');
    expect(gate.code).toBe(0);
    expect(gate.requests).toHaveLength(ANSWERS);
    expect(gate.requests.every((q) => q.conditional)).toBe(true);
    expect(verdictSegments()).toBe(1);
  });

  it('a warm run, which verifies nothing, never loads sigstore', async () => {
    await run('enrich'); // warm from here on, whatever ran before
    const out = join(ws.dir, 'modules.json');
    const trace = resolve(import.meta.dirname, 'support/module-trace.ts');
    const before = index.requests.length;
    const r = await runCli(['enrich', lock, '--index-url', index.simpleUrl, '--trusted-root', root, '--cache-dir', cacheDir], {
      env: { PYLOCK_ATTEST_STATE_DIR: stateDir, NODE_OPTIONS: `--import ${trace}`, MODULE_TRACE_OUT: out },
    });
    expect([r.code, index.requests.length - before]).toEqual([0, 0]);
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
    expect(loaded.some((u) => u.endsWith('/dist/app/evaluate.js'))).toBe(true); // the trace works
    expect(loaded.filter((u) => /\/node_modules\/(@sigstore|sigstore|tuf-js|undici)\//.test(u))).toEqual([]);
  });
});

/** Moves every HTTP answer's freshness and every file outcome's expiry into the past. */
function expireEverything(cacheDir: string, key: Buffer): void {
  const http = new CacheStore(join(cacheDir, 'http-v2'), key, { purpose: 'http' });
  for (const k of http.keys()) {
    const payload = http.getSync(k)!;
    const newline = payload.indexOf(0x0a);
    const entry = { ...(JSON.parse(payload.subarray(0, newline).toString()) as object), freshUntil: 0 };
    http.setSync(k, Buffer.concat([Buffer.from(`${JSON.stringify(entry)}\n`), payload.subarray(newline + 1)]));
  }
  http.close();
  const outcomes = new CacheStore(join(cacheDir, 'outcomes-v2'), key, { purpose: 'outcomes' });
  for (const k of outcomes.keys()) {
    const stored = JSON.parse(outcomes.getSync(k)!.toString()) as object;
    outcomes.setSync(k, Buffer.from(JSON.stringify({ ...stored, expires: 1 })));
  }
  outcomes.close();
}
