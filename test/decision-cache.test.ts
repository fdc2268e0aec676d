/**
 * Kept decisions (app/decision-cache.ts), through the built CLI: a warm run
 * over an unchanged lockfile is answered by the decision an earlier run made
 * from the same kept outcomes, and by nothing else when anything it depends
 * on changed.
 *
 * "Answered by the decision" is seen from outside: every other store's
 * payloads are spoiled first (a flipped byte fails each block's digest), so
 * any run that does not use the decision has to ask the index again.
 */
import { readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DecisionCache } from '../src/app/decision-cache.js';
import { enrich } from '../src/app/enrich.js';
import { OutcomeCache } from '../src/app/outcome-cache.js';
import { loadOrCreateKey } from '../src/io/cache-access.js';
import { CacheStore } from '../src/io/cache-store.js';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, releaseProvenance } from './support/mint.ts';
import { runCli } from './support/run-cli.ts';
import { sdistFiles, sdistLockfile, tempDir } from './support/workspace.ts';

const FILES = sdistFiles('decided', 2, 5);
const LOCK = sdistLockfile(FILES);
const EVIL = { kind: 'GitHub', repository: 'attacker/evil', workflow: 'release.yml' };
const FORGER_KEY = Buffer.alloc(32, 7);

interface Report {
  exitCode: number;
  requests: number;
  lockfiles: Array<{ packages: Array<{ name: string; status: string; action: string }>; findings: Array<{ category: string }> }>;
}

/** A lockfile enriched by a cold run, then run twice more (nothing to write): the first marks its text, the second keeps its decision. */
async function decidedWorkspace() {
  const ws = tempDir();
  const sigstore = await createMockSigstore();
  const root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
  const index: FakeIndex = await startFakeIndex({
    files: await Promise.all(FILES.map(async (f) => ({ ...f, provenance: await releaseProvenance(sigstore, f) }))),
  });
  const lock = ws.file('pylock.toml', LOCK);
  const cacheDir = join(ws.dir, 'cache');
  const stateDir = join(ws.dir, 'state');
  const run = async (extra: string[] = []) => {
    const before = index.requests.length;
    const r = await runCli(['enrich', lock, '--index-url', index.simpleUrl, '--trusted-root', root, '--cache-dir', cacheDir, '--format', 'json', ...extra], {
      env: { PYLOCK_ATTEST_STATE_DIR: stateDir },
      cwd: ws.dir,
    });
    return { code: r.code, report: JSON.parse(r.stdout) as Report, asked: index.requests.length - before };
  };
  const store = (name: string, key: Uint8Array = loadOrCreateKey(stateDir)) => new CacheStore(join(cacheDir, `${name}-v2`), key, { purpose: name });
  const cold = await run();
  expect([cold.code, cold.report.lockfiles[0]!.packages.map((p) => p.action)]).toEqual([0, ['added', 'added']]);
  const first = await run();
  expect([first.code, first.asked]).toEqual([0, 0]);
  const marked = store('decisions');
  const markedPayload = marked.getSync(marked.keys()[0]!)!.toString('utf8');
  marked.close();
  expect(JSON.parse(markedPayload)).toMatchObject({ seen: true }); // a few bytes, not the decision
  const warm = await run();
  expect([warm.code, warm.asked]).toEqual([0, 0]);
  return {
    ws,
    lock,
    run,
    store,
    warm,
    /** Every HTTP answer, verdict and file outcome made unreadable: only a kept decision can answer without the index. */
    spoilTheRest() {
      for (const name of ['http', 'verdicts', 'outcomes']) {
        const dir = join(cacheDir, `${name}-v2`);
        for (const f of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
          const bytes = readFileSync(join(dir, f));
          bytes[0]! ^= 0xff;
          writeFileSync(join(dir, f), bytes);
        }
      }
    },
    async close() {
      await index.close();
      ws.cleanup();
    },
  };
}

describe('kept decisions', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('an unchanged lockfile is answered by its decision: the same report, nothing asked, the file untouched', async () => {
    const w = await decidedWorkspace();
    close = w.close;
    const decisions = w.store('decisions');
    expect(decisions.keys()).toHaveLength(1);
    decisions.close();
    const before = readFileSync(w.lock, 'utf8');
    w.spoilTheRest();
    const hit = await w.run();
    expect([hit.code, hit.asked]).toEqual([0, 0]);
    expect(hit.report.lockfiles).toEqual(w.warm.report.lockfiles);
    expect(readFileSync(w.lock, 'utf8')).toBe(before);
  });

  const changes: Array<[string, (w: Awaited<ReturnType<typeof decidedWorkspace>>) => string[]]> = [
    ['the text changed (a comment)', (w) => (appendFileSync(w.lock, '# a comment\n'), [])],
    ['--allow-identity-change', () => ['--allow-identity-change']],
    ['a policy', (w) => [`--policy`, w.ws.file('policy.toml', 'ignore = ["not-enriched"]\n')]],
    ['--no-verify', () => ['--no-verify']],
  ];
  it.each(changes)('a decision is not used when %s: the run asks the index again', async (_, change) => {
    const w = await decidedWorkspace();
    close = w.close;
    w.spoilTheRest();
    const args = change(w);
    const miss = await w.run(args);
    expect(miss.asked).toBeGreaterThan(0);
    expect(miss.code).toBe(0);
  });

  it('a decision is not used once an outcome behind it was replaced (a later run learned something else about the file)', async () => {
    const w = await decidedWorkspace();
    close = w.close;
    // A genuine record, with this machine's key, the way a later run would keep what it learned: the index now proves another publisher.
    const outcomes = w.store('outcomes');
    const [key] = outcomes.keys();
    const stored = JSON.parse(outcomes.getSync(key!)!.toString('utf8')) as {
      key: string;
      expires: number;
      outcome: { identities: unknown[]; unverifiedKeys: unknown[] };
    };
    outcomes.setSync(key!, Buffer.from(JSON.stringify({ ...stored, outcome: { ...stored.outcome, identities: [EVIL], unverifiedKeys: [[]] } })));
    outcomes.close();
    const after = await w.run();
    // The full path decides again from the newest record: a changed publisher is a finding, and nothing is written over the recorded identity.
    expect(after.code).toBe(1);
    expect(after.report.lockfiles[0]!.findings.map((f) => f.category)).toContain('publisher-changed');
    expect(readFileSync(w.lock, 'utf8')).not.toContain('attacker/evil');
  });

  it("a decision under another key is never read; under this machine's key it is (the trust boundary is the key)", async () => {
    const w = await decidedWorkspace();
    close = w.close;
    const genuine = w.store('decisions');
    const [key] = genuine.keys();
    const payload = genuine.getSync(key!)!;
    genuine.close();
    // The kept decision, doctored to write the attacker's identity for the first package.
    const newline = payload.indexOf(0x0a);
    const packages = JSON.parse(payload.subarray(newline + 1).toString('utf8')) as Array<Record<string, unknown>>;
    packages[0] = { ...packages[0], action: 'updated', identities: [EVIL], unverifiedKeys: [[]] };
    const doctored = [payload.subarray(0, newline + 1), Buffer.from(JSON.stringify(packages))];

    const forged = w.store('decisions', FORGER_KEY);
    forged.setSync(key!, doctored);
    forged.close();
    const refused = await w.run();
    expect([refused.code, refused.report.lockfiles[0]!.packages.map((p) => p.action)]).toEqual([0, ['unchanged', 'unchanged']]);
    expect(readFileSync(w.lock, 'utf8')).not.toContain('attacker/evil');

    // The control: the same record under this machine's key is believed (so the forgery above was looked up, and refused).
    const ours = w.store('decisions');
    ours.setSync(key!, doctored);
    ours.close();
    await w.run();
    expect(readFileSync(w.lock, 'utf8')).toContain('attacker/evil');
  });
});

describe('DecisionCache', () => {
  const ws = tempDir();
  afterAll(() => ws.cleanup());
  const inputs = { path: 'pylock.toml', text: LOCK, indexUrl: undefined, allowIndexHosts: undefined, allowIdentityChange: false, policy: undefined };
  const decision = { packages: [], warnings: ['w'] };

  function caches(dir: string, clock: { now: number }, offline = false) {
    const stores = ['outcomes', 'decisions'].map((purpose) => new CacheStore(join(ws.dir, dir, purpose), Buffer.alloc(32, 1), { purpose }));
    const outcomes = new OutcomeCache(stores[0]!, { verify: false, mode: 'auto', offline }, () => clock.now);
    return {
      outcomes,
      decisions: new DecisionCache(stores[1]!, outcomes),
      close: () => {
        for (const s of stores) s.close();
      },
    };
  }
  const file = { filename: 'a-1.0.tar.gz', sha256: 'a'.repeat(64), status: 'no-provenance' as const, identities: [] };
  const query = { indexUrl: 'https://i/simple', project: 'a', version: '1.0', filename: file.filename, sha256: file.sha256 };

  it('serves while every outcome behind it is fresh; stale only offline', async () => {
    const clock = { now: 1_000 };
    const { outcomes, decisions, close } = caches('fresh', clock);
    const kept = (await outcomes.put(outcomes.key(query), file, 5_000))!;
    const key = decisions.key({ ...inputs, now: new Date(clock.now) });
    await decisions.put(key, decision, [kept], true);
    expect(decisions.get(key)).toEqual(decision);
    clock.now = 5_000;
    expect(decisions.get(key)).toBe('seen'); // stale: decided again, and kept again
    close();
    const offline = caches('fresh', clock, true);
    expect(offline.decisions.get(key)).toEqual(decision);
  });

  // Two processes keep an outcome for the same file in the same millisecond, having learned different things: the
  // records differ, their times do not. The full path reads the one the index ranks newest (here the second: its
  // segment was started a millisecond later); a decision made from the other must not be taken for current.
  it('is not current when another record for its file was kept in the same millisecond', async () => {
    const clock = { now: 1_000 };
    const T = 2_000_000_000_000;
    const times: number[] = [];
    const dateNow = vi.spyOn(Date, 'now').mockImplementation(() => times.shift() ?? T);
    try {
      const first = caches('same-ms', clock);
      const kept = (await first.outcomes.put(first.outcomes.key(query), file, 5_000))!;
      const key = first.decisions.key({ ...inputs, now: new Date(clock.now) });
      await first.decisions.put(key, decision, [kept], true);
      first.close();
      const second = caches('same-ms', clock);
      const learned = { ...file, status: 'unverified' as const, identities: [{ kind: 'GitHub', repository: 'o/a' }], unverifiedKeys: [['repository']] };
      times.push(T + 1); // the second process's segment name; its record is kept at T
      const replaced = (await second.outcomes.put(second.outcomes.key(query), learned, 5_000))!;
      expect(replaced.record.split(':')[0]).toBe(kept.record.split(':')[0]); // the same time
      second.close();
      const later = caches('same-ms', clock);
      expect(later.outcomes.getSync(later.outcomes.key(query), query)?.outcome).toEqual(learned); // what the full path decides from
      expect(later.decisions.get(key)).not.toEqual(decision);
      later.close();
    } finally {
      dateNow.mockRestore();
    }
  });

  it('is keyed by the day (allowances expire by UTC day) and by every input', () => {
    const { decisions } = caches('keys', { now: 0 });
    const base = { ...inputs, now: new Date('2026-12-07T23:59:59Z') };
    const keys = [
      base,
      { ...base, now: new Date('2026-12-08T00:00:00Z') },
      { ...base, path: 'other/pylock.toml' },
      { ...base, text: `${LOCK}\n` },
      { ...base, indexUrl: 'https://i/simple' },
      { ...base, allowIndexHosts: ['i'] },
      { ...base, allowIdentityChange: true },
      { ...base, policy: { requireAttestations: [], ignore: [], severity: {}, allow: [] } },
    ].map((i) => decisions.key(i));
    expect(new Set(keys).size).toBe(keys.length);
    expect(decisions.key({ ...base, now: new Date('2026-12-07T00:00:00Z') })).toBe(keys[0]);
  });

  it('the first decision of a key leaves a mark; the second is kept', async () => {
    const clock = { now: 1_000 };
    const { outcomes, decisions } = caches('mark', clock);
    const kept = (await outcomes.put(outcomes.key(query), file, 5_000))!;
    const key = decisions.key({ ...inputs, now: new Date(clock.now) });
    expect(decisions.get(key)).toBeUndefined();
    await decisions.put(key, decision, [kept], false);
    expect(decisions.get(key)).toBe('seen');
    await decisions.put(key, decision, [kept], true);
    expect(decisions.get(key)).toEqual(decision);
  });

  // A library caller's `now` that names no day: the full path decides without a day (no allowance to judge); the key needs one.
  it.each([
    ['an invalid Date', new Date(Number.NaN)],
    ['not a Date', '2026-12-07' as unknown as Date],
  ])('a `now` that is %s is decided in full with the cache on, as without it (library)', async (name, now) => {
    const lock = ws.file(`now-${name.length}.pylock.toml`, 'lock-version = "1.0"\ncreated-by = "test"\n');
    const options = { verify: false, cacheDir: join(ws.dir, 'now-cache'), stateDir: join(ws.dir, 'now-state'), now };
    const full = await enrich([lock], options);
    expect(full.exitCode).toBe(0);
    const cached = await enrich([lock], { ...options, cache: true });
    expect(cached.exitCode).toBe(full.exitCode);
  });

  it('keeps nothing made from no outcome, and reads no record that names none', async () => {
    const { decisions } = caches('empty', { now: 0 });
    const key = decisions.key({ ...inputs, now: new Date(0) });
    await decisions.put(key, decision, [], true);
    expect(decisions.get(key)).toBeUndefined();
  });
});
