/**
 * Faults from the index's status line: 5xx bursts and 429 with and without
 * Retry-After, through the built CLI (each fault once) and enrich() (its
 * variants). Retries are bounded (attempt counts at the fake index), the
 * whole run is bounded by --deadline, and the lockfile is byte-identical
 * whenever the run cannot complete.
 *
 * Nothing here races a clock: a fault that must exhaust the retries says
 * `Retry-After: 0`, so the count is exact however slow the machine; one the
 * deadline must end waits far longer than the deadline, and the deadline is
 * seconds after the first attempt, not milliseconds.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hits, startFaultLab, type FaultLab } from '../support/fault-lab.ts';
import { expectCouldNotComplete, expectRecovered, libraryRun } from './fault-checks.ts';

const OK = undefined; // no fault: the index answers normally

describe('status faults from the index, through the CLI', () => {
  let lab: FaultLab;
  let args: string[];
  beforeAll(async () => {
    lab = await startFaultLab();
    args = ['--index-url', lab.index.simpleUrl];
  });
  afterAll(() => lab?.close());
  beforeEach(() => {
    lab.index.setFault(undefined);
    lab.index.requests.length = 0;
  });

  it('a burst of 500, 502 and 503 is retried, then the run completes', async () => {
    // The sdist's provenance fails twice (500, 502), the wheel's once (503): back-off stays short.
    const burst: Record<string, number[]> = { '.tar.gz': [500, 502], '.whl': [503] };
    lab.index.setFault(({ path, attempt }) => {
      const statuses = Object.entries(burst).find(([ext]) => path.startsWith('/provenance/') && path.endsWith(ext))?.[1];
      return statuses !== undefined && attempt <= statuses.length ? { status: statuses[attempt - 1]! } : OK;
    });
    const path = lab.lockfile('burst.toml');
    const run = await lab.enrich(path, args);
    expectRecovered(run, path);
    expect(hits(lab.index, '/provenance/')).toBe(3 + 2); // each file: its failures, then one success
  });

  it('a 503 that does not end: 4 retries, then exit 3, file untouched', async () => {
    const unavailable = { status: 503, headers: { 'content-type': 'text/html', 'retry-after': '0' }, body: '<h1>Service Unavailable</h1>' };
    lab.index.setFault(({ path }) => (path.startsWith('/simple/') ? unavailable : OK));
    const path = lab.lockfile('503.toml');
    const run = await lab.enrich(path, args);
    expectCouldNotComplete(run, path, ['INDEX_HTTP']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/HTTP 503 .*gave up after 5 attempts/);
    // One page request shared by both files: the first attempt and 4 retries.
    expect(hits(lab.index, '/simple/')).toBe(5);
  });

  it('a 503 whose Retry-After outlasts --deadline: the deadline ends the wait, exit 3, file untouched', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/simple/') ? { status: 503, headers: { 'retry-after': '20' } } : OK));
    const path = lab.lockfile('503-deadline.toml');
    const run = await lab.enrich(path, [...args, '--deadline', '3']);
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/run deadline reached while waiting to retry: HTTP 503/);
    expect(hits(lab.index, '/simple/')).toBe(1);
  });

  it('a 500 on only one of two files still blocks the write: all or nothing [enrich()]', async () => {
    lab.index.setFault(({ path }) => (path.endsWith('.whl') ? { status: 500, headers: { 'retry-after': '0' } } : OK));
    const path = lab.lockfile('half.toml');
    const run = await libraryRun(lab, path);
    expectCouldNotComplete(run, path, ['INDEX_HTTP']);
    expect(hits(lab.index, '/provenance/demo/1.0/demo-1.0-py3-none-any.whl')).toBe(5);
    const files = run.report.lockfiles[0].packages[0].files;
    expect(files.map((f: any) => f.status)).toEqual(['verified', 'unavailable']);
    expect(run.report.lockfiles[0].error.message).toMatch(/1 of 2 files/);
  });

  it('429 with Retry-After: 1 waits, then completes', async () => {
    const seen: number[] = [];
    lab.index.setFault(({ path, attempt }) => {
      if (!path.startsWith('/simple/')) return OK;
      seen.push(Date.now());
      return attempt === 1 ? { status: 429, headers: { 'retry-after': '1' } } : OK;
    });
    const path = lab.lockfile('429-retry-after.toml');
    const run = await lab.enrich(path, args);
    expectRecovered(run, path);
    expect(seen).toHaveLength(2);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(950); // a lower bound: sleeping is never early
  });

  it('429 asking for an hour fails at once rather than hang: exit 3, one attempt', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/simple/') ? { status: 429, headers: { 'retry-after': '3600' } } : OK));
    const path = lab.lockfile('429-hour.toml');
    const run = await lab.enrich(path, args);
    expectCouldNotComplete(run, path, ['INDEX_HTTP']);
    expect(hits(lab.index, '/simple/')).toBe(1);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/3600/);
  });

  it('429 without Retry-After once: backed off, then completes [enrich()]', async () => {
    lab.index.setFault(({ path, attempt }) => (path.startsWith('/provenance/') && attempt === 1 ? { status: 429 } : OK));
    const path = lab.lockfile('429-once.toml');
    const run = await libraryRun(lab, path);
    expectRecovered(run, path);
    expect(hits(lab.index, '/provenance/')).toBe(4);
  });

  it('429 without Retry-After that does not end: stopped by --deadline, exit 3 [enrich()]', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/provenance/') ? { status: 429 } : OK));
    const path = lab.lockfile('429-forever.toml');
    // 4 back-offs take at least 3.75 s (0.25 + 0.5 + 1 + 2): a 3 s deadline always ends the run first.
    const run = await libraryRun(lab, path, { deadlineMs: 3_000 });
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/429/);
    expect(hits(lab.index, '/provenance/')).toBeGreaterThanOrEqual(2);
    expect(hits(lab.index, '/provenance/')).toBeLessThanOrEqual(2 * 4);
  });

  it('the Integrity API path behaves the same: a 502 that does not end is exit 3, file untouched [enrich()]', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/integrity/') ? { status: 502, headers: { 'retry-after': '0' } } : OK));
    const path = lab.lockfile('integrity-502.toml');
    const run = await libraryRun(lab, path, { provenanceSource: 'integrity' });
    expectCouldNotComplete(run, path, ['INDEX_HTTP']);
    expect(hits(lab.index, '/integrity/')).toBe(2 * 5);
  });

  it('the text report names the lockfile and the cause too', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/simple/') ? { status: 429, headers: { 'retry-after': '3600' } } : OK));
    const path = lab.lockfile('text.toml');
    const run = await lab.enrich(path, [...args, '--format', 'text']);
    expect(run.code).toBe(3);
    // A text report's errors go to stderr; the report itself still names the lockfile.
    expect(run.stdout).toContain(path);
    expect(run.stderr).toContain(path);
    expect(run.stderr).toMatch(/429/);
    expect(run.stdout).toMatch(/not written/);
  });
});
