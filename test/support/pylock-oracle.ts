/**
 * Python's `packaging.pylock` as an oracle: does the reference reader of
 * PEP 751 accept what we wrote? Every lockfile a test writes through
 * `enrich` or `lock` is collected here, with the text it had before, and
 * checked once at the end of the test file in ONE python3 process:
 *
 * - a file packaging.pylock accepted before we touched it, it accepts after;
 * - a file we created (`lock`) it accepts, full stop.
 *
 * Where python3 or packaging >= 25 (the first with `packaging.pylock`) is
 * missing, `PYLOCK_ORACLE.available` is false and `skipReason` says why; the
 * test that runs the check skips with that message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const PROBE = ['import sys, tomllib, packaging', 'from packaging.pylock import Pylock', 'print(packaging.__version__)'].join('\n');

// Reads a JSON list of paths; prints, per path, null (accepted) or the error packaging raised.
const CHECK = [
  'import json, sys, tomllib',
  'from packaging.pylock import Pylock',
  'out = []',
  'for path in json.load(open(sys.argv[1])):',
  '    try:',
  '        with open(path, "rb") as f: Pylock.from_dict(tomllib.load(f))',
  '        out.append(None)',
  '    except Exception as e:',
  '        out.append(f"{type(e).__name__}: {e}")',
  'print(json.dumps(out))',
].join('\n');

function probe(): { available: boolean; skipReason: string } {
  const run = spawnSync('python3', ['-c', PROBE], { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) {
    const why = run.error !== undefined ? 'python3 is not on PATH' : `python3 cannot import packaging.pylock (${run.stderr.trim().split('\n').at(-1) ?? ''})`;
    return { available: false, skipReason: `skipped: ${why}; install packaging >= 25 (pip install 'packaging>=25') to read lockfiles back with it` };
  }
  const major = Number(run.stdout.trim().split('.')[0]);
  if (!(major >= 25)) return { available: false, skipReason: `skipped: packaging ${run.stdout.trim()} is older than 25 (no packaging.pylock)` };
  return { available: true, skipReason: '' };
}

export const PYLOCK_ORACLE = probe();

interface Entry {
  label: string;
  /** A created file that was never written (the tool refused): nothing to check. */
  skip?: boolean;
  /** Text before the tool ran; undefined for a file the tool created. */
  before: string | undefined;
  /** A path to read when checking, or the text itself. */
  after: { path: string } | { text: string };
}

/** Collects lockfiles during a test file; `problems()` checks them all in one python3 run. */
export class PylockOracle {
  readonly #entries: Entry[] = [];

  /**
   * A lockfile about to be changed in place at `path`: its text now is "before"; "after" is
   * its text at `settle()` (call it before the directory is removed) or at `check()`.
   */
  track(path: string, label = path): string {
    this.#entries.push({ label, before: readFileSync(path, 'utf8'), after: { path } });
    return path;
  }

  /**
   * A lockfile a tool is about to write at `path`, read at `settle()` or `check()` (absent then
   * is fine: nothing was written). A file already there is its "before", as for `track`.
   */
  created(path: string, label = path): string {
    const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    this.#entries.push({ label, before, after: { path } });
    return path;
  }

  /** Reads every tracked file now, before a test's temp directory goes away. */
  settle(): void {
    for (const e of this.#entries) {
      if (!('path' in e.after)) continue;
      const text = existsSync(e.after.path) ? readFileSync(e.after.path, 'utf8') : undefined;
      e.after = text === undefined ? { text: '' } : { text };
      if (text === undefined) e.skip = true;
    }
  }

  /** Texts in memory: `before` (undefined for a created file) and the tool's output. */
  texts(label: string, before: string | undefined, after: string): void {
    this.#entries.push({ label, before, after: { text: after } });
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * `problems`: one line per broken promise, empty when packaging.pylock agrees with every
   * file. `accepted`: how many files it accepted before a tool changed them, or that a tool
   * created (a test asserts it is not zero, so the oracle was not vacuous).
   */
  check(): { problems: string[]; accepted: number } {
    const dir = mkdtempSync(join(tmpdir(), 'pylock-oracle-'));
    try {
      const paths: string[] = [];
      const slot = (text: string): number => {
        const p = join(dir, `${paths.length}.toml`);
        writeFileSync(p, text);
        return paths.push(p) - 1;
      };
      this.settle();
      const pairs = this.#entries
        .filter((e) => e.skip !== true)
        .map((e) => {
          const after = 'path' in e.after ? readFileSync(e.after.path, 'utf8') : e.after.text;
          return { e, before: e.before === undefined ? undefined : slot(e.before), after: slot(after) };
        });
      const verdicts = this.#run(dir, paths);
      const bound = pairs.filter((p) => p.before === undefined || verdicts[p.before] === null);
      const problems = bound.flatMap(({ e, before, after }) => {
        const rejected = verdicts[after];
        if (rejected === null) return [];
        return [`${e.label}: ${before === undefined ? 'written by us' : 'accepted before'}, rejected after: ${rejected}`];
      });
      return { problems, accepted: bound.length };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  #run(dir: string, paths: string[]): Array<string | null> {
    const list = join(dir, 'paths.json');
    writeFileSync(list, JSON.stringify(paths));
    const run = spawnSync('python3', ['-c', CHECK, list], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (run.status !== 0) throw new Error(`packaging.pylock oracle failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as Array<string | null>;
  }
}

/**
 * Registers, at the end of a test file, the one test that checks everything `oracle`
 * collected; it skips with the probe's message where packaging.pylock is missing.
 */
export function checkWithPackagingPylock(oracle: PylockOracle): void {
  const title = `packaging.pylock reads back every lockfile written here${PYLOCK_ORACLE.available ? '' : ` (${PYLOCK_ORACLE.skipReason})`}`;
  describe.skipIf(!PYLOCK_ORACLE.available)(title, () => {
    it('accepts every file we created, and every file it accepted before we changed it', () => {
      const { problems, accepted } = oracle.check();
      expect(problems).toEqual([]);
      if (oracle.size > 0) expect(accepted, 'no file was accepted before: the oracle proved nothing').toBeGreaterThan(0);
    });
  });
}
