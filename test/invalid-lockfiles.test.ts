/**
 * Every invalid case of the toml-test suite, as a lockfile: rejected with
 * file:line (LOCK_PARSE, or LOCK_ENCODING for bytes that are not UTF-8), and
 * never edited. Each case is tried as it is and behind a valid
 * `lock-version` line, so a missing lock-version cannot be what rejects it;
 * then all of them go through the built CLI in one run.
 *
 * The suite lives in ../shared/toml-test; without it these tests skip,
 * naming the path they wanted.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLockfile } from '../src/app/read-lockfile.js';
import { parseLock } from '../src/core/lockfile.js';
import { toml10Problem } from '../src/core/scanner.js';
import { isPylockAttestError } from '../src/errors.js';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const SUITE = resolve(import.meta.dirname, '../../shared/toml-test');
const INVALID = join(SUITE, 'invalid');
const present = existsSync(INVALID);
if (!present) console.warn(`skipping invalid-lockfile tests: ${INVALID} is absent`);

function tomlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.toml'))
    .map((f) => join(dir, f))
    .sort();
}

const cases = present ? tomlFiles(INVALID) : [];
const PREFIX = Buffer.from('lock-version = "1.0"\n');

async function rejection(path: string): Promise<{ code: string; line: number | undefined; text: string }> {
  try {
    await loadLockfile(path);
  } catch (e) {
    if (isPylockAttestError(e)) return { code: e.code, line: e.line, text: e.describe() };
    throw e;
  }
  return { code: 'ACCEPTED', line: undefined, text: '' };
}

describe.skipIf(!present)(`toml-test invalid/ as lockfiles${present ? '' : ` (skipped: ${INVALID} is absent)`}`, () => {
  const ws = tempDir('pylock-attest-invalid-');
  afterAll(() => ws.cleanup());

  it('holds the whole suite (509 cases at the pinned commit)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(500);
  });

  it('rejects every case with file:line, as it is and behind a valid lock-version', async () => {
    const wrong: string[] = [];
    for (const file of cases) {
      const name = relative(INVALID, file);
      const bytes = readFileSync(file);
      const prefixed = join(ws.dir, 'prefixed', name);
      mkdirSync(dirname(prefixed), { recursive: true });
      writeFileSync(prefixed, Buffer.concat([PREFIX, bytes]));
      for (const [label, path, maxLine] of [
        ['as is', file, lineCount(bytes)],
        ['prefixed', prefixed, lineCount(bytes) + 1],
      ] as const) {
        const r = await rejection(path);
        const located = r.line !== undefined && r.line >= 1 && r.line <= maxLine && r.text.startsWith(`${path}:${r.line}`);
        if (!['LOCK_PARSE', 'LOCK_ENCODING'].includes(r.code) || !located) wrong.push(`${name} (${label}): ${r.code} line ${r.line}`);
      }
      // Reading never writes: the suite's own files are untouched.
      expect(readFileSync(file).equals(bytes)).toBe(true);
    }
    expect(wrong).toEqual([]);
  });

  it('parseLock rejects, too, the TOML 1.1 and impossible-date cases smol-toml alone accepts', () => {
    const beyond = [
      'datetime/feb-29',
      'datetime/feb-30',
      'datetime/no-secs',
      'local-date/feb-29',
      'local-time/no-secs',
      'inline-table/linebreak-01',
      'inline-table/trailing-comma',
      'string/basic-byte-escapes',
    ];
    for (const name of beyond) {
      const text = `lock-version = "1.0"\n${readFileSync(join(INVALID, `${name}.toml`), 'utf8')}`;
      expect(toml10Problem(text), name).toBeDefined();
      let code = 'ACCEPTED';
      try {
        parseLock(text, 'pylock.toml');
      } catch (e) {
        code = isPylockAttestError(e) ? e.code : String(e);
      }
      expect(code, name).toBe('LOCK_PARSE');
    }
  });

  it('the CLI refuses every case in one run (exit 2), naming each file and line, and edits none', async () => {
    const dir = join(ws.dir, 'cli');
    const paths = cases.map((file) => {
      const copy = join(dir, relative(INVALID, file));
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(file, copy);
      return copy;
    });
    const before = paths.map((p) => readFileSync(p));
    const run = await runCli(['enrich', ...paths, '--index-url', 'http://127.0.0.1:9/simple', '--format', 'json']);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout);
    expect(report.lockfiles).toHaveLength(paths.length);
    for (const [i, lock] of report.lockfiles.entries()) {
      expect(['LOCK_PARSE', 'LOCK_ENCODING']).toContain(lock.error?.code);
      expect(lock.error.message).toMatch(new RegExp(`^${escapeRegExp(paths[i]!)}:\\d+`));
      expect(lock.written).toBe(false);
    }
    expect(report.requests).toBe(0);
    for (const [i, p] of paths.entries()) expect(readFileSync(p).equals(before[i]!)).toBe(true);
    expect(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

/** The strict TOML 1.0 check has no false positives on the suite's valid TOML 1.0 documents. */
const VALID_LIST = join(SUITE, 'files-toml-1.0.0');
describe.skipIf(!existsSync(VALID_LIST))('toml-test valid/ (TOML 1.0) passes the strict check', () => {
  it('flags none of them', () => {
    const valid = readFileSync(VALID_LIST, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('valid/') && l.endsWith('.toml'));
    expect(valid.length).toBeGreaterThan(200);
    const flagged = valid.filter((rel) => toml10Problem(readFileSync(join(SUITE, rel), 'utf8').replace(/^\uFEFF/, '')) !== undefined);
    expect(flagged).toEqual([]);
  });
});

function lineCount(bytes: Buffer): number {
  let n = 1;
  for (const b of bytes) if (b === 0x0a) n++;
  return n;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
