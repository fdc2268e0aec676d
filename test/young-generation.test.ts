/**
 * A run over large lockfiles restarts node in place with a small young
 * generation (src/cli/young-generation.ts); a small one, --help and the
 * library never do. Seen from inside the process: an --import probe logs
 * each start's pid and node flags. Such a run makes its heap lean once it
 * has sent enough requests (src/cli/lean-heap.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { LEAN_ABOVE_LOOKUPS, leanCollector, leanHeapWatch } from '../src/cli/lean-heap.js';
import { RESTART_ABOVE_BYTES, restartFor, SEMI_SPACE_FLAG } from '../src/cli/young-generation.js';
import { BIN, runProcess, stateEnv } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const ws = tempDir('pylock-attest-restart-');
afterAll(() => ws.cleanup());

const PROBE = ws.file(
  'argv-probe.mjs',
  "import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.ARGV_PROBE_OUT, JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');\n",
);

/** A valid lockfile of about `bytes` bytes (its packages' sdists carry long URLs). */
function lockOfSize(bytes: number): string {
  const packages: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const url = `https://files.example/${'p'.repeat(200)}/pkg${i}-1.0.tar.gz`;
    const entry = `[[packages]]\nname = "pkg${i}"\nversion = "1.0"\nsdist = { url = "${url}", hashes = { sha256 = "${'a'.repeat(64)}" } }\n\n`;
    packages.push(entry);
    size += entry.length;
  }
  return `lock-version = "1.0"\ncreated-by = "test"\n\n${packages.join('')}`;
}

async function starts(args: string[]): Promise<{ code: number | null; starts: Array<{ pid: number; execArgv: string[] }> }> {
  const out = join(ws.dir, `starts-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(out, '');
  const env = { PATH: process.env['PATH'] ?? '', HOME: ws.dir, NO_COLOR: '1', ARGV_PROBE_OUT: out, ...stateEnv() };
  const r = await runProcess(process.execPath, ['--import', PROBE, BIN, ...args], { cwd: ws.dir, env });
  const lines = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean);
  return { code: r.code, starts: lines.map((l) => JSON.parse(l) as { pid: number; execArgv: string[] }) };
}

describe('a small young generation for large lockfiles', () => {
  const large = ws.file('pylock.toml', lockOfSize(RESTART_ABOVE_BYTES + 1000));
  const small = ws.file('pylock.small.toml', lockOfSize(10_000));

  it('check over a large lockfile restarts once, in place (same pid), with the flag; the run completes', async () => {
    const r = await starts(['check', '--offline', large]);
    expect(r.code).toBe(0);
    expect(r.starts).toHaveLength(2);
    expect(r.starts[1]!.pid).toBe(r.starts[0]!.pid);
    expect(r.starts[0]!.execArgv).not.toContain(SEMI_SPACE_FLAG);
    expect(r.starts[1]!.execArgv).toEqual(['--import', PROBE, SEMI_SPACE_FLAG]);
  });

  it('a small lockfile, --help and --version start once', async () => {
    for (const args of [['check', '--offline', small], ['check', '--help'], ['--version']]) {
      const r = await starts(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.starts, args.join(' ')).toHaveLength(1);
    }
  });

  it('never restarts when the flag is given already, in NODE_OPTIONS, or PYLOCK_ATTEST_NO_RESTART=1', () => {
    const proc = { execPath: '/node', execArgv: [] as string[], argv: ['/node', '/bin.js', 'check', large], env: {} as NodeJS.ProcessEnv };
    expect(restartFor([large], proc)).toEqual({ execPath: '/node', args: ['/node', SEMI_SPACE_FLAG, '/bin.js', 'check', large] });
    expect(restartFor([large], { ...proc, execArgv: ['--max-semi-space-size=4'] })).toBeUndefined();
    expect(restartFor([large], { ...proc, env: { NODE_OPTIONS: '--max-semi-space-size=2' } })).toBeUndefined();
    expect(restartFor([large], { ...proc, env: { PYLOCK_ATTEST_NO_RESTART: '1' } })).toBeUndefined();
    expect(restartFor([small, join(ws.dir, 'missing.toml')], proc)).toBeUndefined();
  });
});

describe('a lean heap once a large run waits on the network (src/cli/lean-heap.ts)', () => {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  /** Controls that count what the watch asks of V8. */
  function counting() {
    const asked = { limited: 0, collected: 0 };
    return { asked, heap: { limitGrowth: () => void asked.limited++, collect: () => void asked.collected++ } };
  }

  it('only in a restarted process', () => {
    const { heap } = counting();
    expect(leanHeapWatch([], heap)).toBeUndefined();
    expect(leanHeapWatch(['--max-semi-space-size=4'], heap)).toBeUndefined();
    expect(leanHeapWatch(['--import', PROBE, SEMI_SPACE_FLAG], heap)).toBeDefined();
  });

  it('many files to look up: leans at the first request (collecting a turn later), collects again at once when all are answered', async () => {
    const { asked, heap } = counting();
    const watch = leanHeapWatch([SEMI_SPACE_FLAG], heap)!;
    watch.progress({ done: 100, total: 100 + LEAN_ABOVE_LOOKUPS }); // the total, and what was kept, before any lookup
    watch.request();
    expect(asked).toEqual({ limited: 1, collected: 0 }); // not inside the request being sent
    await turn();
    expect(asked).toEqual({ limited: 1, collected: 1 });
    for (let i = 0; i < 100; i++) watch.request();
    watch.progress({ done: 99 + LEAN_ABOVE_LOOKUPS, total: 100 + LEAN_ABOVE_LOOKUPS });
    await turn();
    expect(asked).toEqual({ limited: 1, collected: 1 });
    watch.progress({ done: 100 + LEAN_ABOVE_LOOKUPS, total: 100 + LEAN_ABOVE_LOOKUPS });
    expect(asked).toEqual({ limited: 1, collected: 2 }); // at once: the run decides and edits without waiting on anything
  });

  it('few files to look up (one package bumped in a large lockfile), or none at all: left alone', async () => {
    const { asked, heap } = counting();
    const few = leanHeapWatch([SEMI_SPACE_FLAG], heap)!;
    few.progress({ done: 19_980, total: 19_980 + LEAN_ABOVE_LOOKUPS - 1 });
    for (let i = 0; i < LEAN_ABOVE_LOOKUPS - 1; i++) few.request();
    few.progress({ done: 19_980 + LEAN_ABOVE_LOOKUPS - 1, total: 19_980 + LEAN_ABOVE_LOOKUPS - 1 });
    const none = leanHeapWatch([SEMI_SPACE_FLAG], heap)!;
    none.progress({ done: 20_000, total: 20_000 });
    await turn();
    expect(asked).toEqual({ limited: 0, collected: 0 });
  });

  it('`lock` sends its page requests before the total is known: it leans at the first request after', async () => {
    const { asked, heap } = counting();
    const watch = leanHeapWatch([SEMI_SPACE_FLAG], heap)!;
    for (let i = 0; i < 300; i++) watch.request(); // project pages
    expect(asked.limited).toBe(0);
    watch.progress({ done: 0, total: 2 * LEAN_ABOVE_LOOKUPS });
    watch.request();
    expect(asked.limited).toBe(1);
  });

  it("V8's memory-reducing collection runs, and leaves no `gc` in contexts created afterwards", () => {
    const collect = leanCollector();
    expect(() => collect()).not.toThrow();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
