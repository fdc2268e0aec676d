/**
 * What every fault test asserts about a CLI run, in one place: the exit
 * code, a report that names the lockfile and the cause (as error codes, not
 * message text), the lockfile's bytes, and no temp file left behind.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { enrich, type EnrichOptions } from '../../src/app/enrich.js';
import { IDENTITY, identitiesIn, leftovers, LOCK, type FaultLab, type LabRun } from '../support/fault-lab.ts';

// enrich() in this process reads the proxy variables too: a CI machine's proxy must not carry loopback tests.
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name];

/** Generous: far above any fault's own bound, so it can only fail on a real hang. */
export const WALL_CLOCK_BOUND_MS = 20_000;

/**
 * The run could not complete: exit 3, the lockfile error (INDEX_UNAVAILABLE)
 * names the file and the first failing file's cause, each failing file
 * carries one of `causes`, and the lockfile is byte-identical.
 */
export function expectCouldNotComplete(run: LabRun, path: string, causes: readonly string[]): void {
  expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(run.code).toBe(3);
  const lock = run.report.lockfiles[0];
  expect(lock).toMatchObject({ path, written: false, error: { code: 'INDEX_UNAVAILABLE' } });
  const failing = lock.packages.flatMap((p: any) => p.files).filter((f: any) => f.status === 'unavailable');
  expect(failing.length).toBeGreaterThan(0);
  for (const f of failing) expect(causes).toContain(f.code);
  // The message names the lockfile, and the cause of the first failing file.
  expect(lock.error.message).toContain(path);
  expect(lock.error.message).toContain(failing[0].detail);
  expectUntouched(path);
  expect(run.ms).toBeLessThan(WALL_CLOCK_BOUND_MS);
}

/** The fault was transient: exit 0, both files verified, the identity written. */
export function expectRecovered(run: LabRun, path: string): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const lock = run.report.lockfiles[0];
  expect(lock.packages[0].files.map((f: any) => f.status)).toEqual(['verified', 'verified']);
  expect(lock).toMatchObject({ written: true });
  expect(identitiesIn(path)).toEqual([IDENTITY]);
  expect(leftovers(dirname(path))).toEqual([]);
}

/**
 * The same pipeline through the library, `enrich()`, in this process: for the
 * variants of a fault whose CLI run is tested once already (a process per
 * variant would only add start-up time). The result is serialized as the
 * JSON report is.
 */
export async function libraryRun(lab: FaultLab, path: string, options: EnrichOptions = {}): Promise<LabRun> {
  const started = Date.now();
  const result = await enrich([path], { indexUrl: lab.index.simpleUrl, trustedRoot: lab.root, cacheDir: join(lab.dir, 'library-cache'), ...options });
  return { code: result.exitCode, signal: null, stdout: '', stderr: '', output: '', ms: Date.now() - started, report: JSON.parse(JSON.stringify(result)) };
}

export function expectUntouched(path: string): void {
  expect(readFileSync(path, 'utf8')).toBe(LOCK);
  expect(leftovers(dirname(path))).toEqual([]);
}
