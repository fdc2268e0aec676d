import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess, stateEnv } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PROBE = join(ROOT, 'test/support/import-probe.ts');
const TRACE = join(ROOT, 'test/support/module-trace.ts');

interface ProbeReport {
  calls: string[];
  differences: Record<string, unknown>;
  exports: Record<string, string>;
}

/** Import `specifier` in a fresh node process that watches for every side effect. */
async function probe(specifier: string | undefined, traceOut: string): Promise<{ report: ProbeReport; loaded: string[] }> {
  const args = ['--import', TRACE, PROBE, ...(specifier ? [specifier] : [])];
  const r = await runProcess(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', MODULE_TRACE_OUT: traceOut, ...stateEnv() },
  });
  if (r.code !== 0) throw new Error(`probe exited ${r.code}: ${r.stderr}`);
  return { report: JSON.parse(r.stdout) as ProbeReport, loaded: JSON.parse(readFileSync(traceOut, 'utf8')) as string[] };
}

describe("import 'pylock-attest'", () => {
  const ws = tempDir();
  afterAll(() => ws.cleanup());

  it('has no side effects: no network, no files, no globals, listeners, timers or prototype changes', async () => {
    const { report } = await probe(undefined, join(ws.dir, 'lib.json'));
    expect(report.calls).toEqual([]);
    expect(report.differences).toEqual({});
  });

  it('loads no sigstore or undici code', async () => {
    const { loaded } = await probe(undefined, join(ws.dir, 'lib-trace.json'));
    expect(loaded.some((u) => u.endsWith('/dist/index.js'))).toBe(true);
    expect(loaded.filter((u) => /\/node_modules\/(undici|@sigstore\/[^/]+|sigstore)\//.test(u))).toEqual([]);
  });

  it('exports the documented API (docs/api.md), typed', async () => {
    const { report } = await probe(undefined, join(ws.dir, 'lib-exports.json'));
    for (const name of ['enrich', 'check', 'diff', 'lock', 'refresh', 'renderRefreshSummary', 'evaluateLockfiles', 'PylockAttestError'])
      expect(report.exports[name]).toBe('function');
    expect(report.exports['VERSION']).toBe('string');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(existsSync(join(ROOT, 'dist/index.d.ts'))).toBe(true);
  });

  it('the probe itself sees side effects when a module has them (control)', async () => {
    const noisy = ws.file(
      'noisy.mjs',
      [
        "import { writeFileSync } from 'node:fs';",
        "import { connect } from 'node:net';",
        "process.on('SIGINT', () => {});",
        'globalThis.leaked = 1;',
        `writeFileSync(${JSON.stringify(join(ws.dir, 'written.txt'))}, 'x');`,
        "connect(9, '127.0.0.1').on('error', () => {});",
        'setInterval(() => {}, 1000).unref();',
        'export const x = 1;',
      ].join('\n'),
    );
    const { report } = await probe(noisy, join(ws.dir, 'noisy.json'));
    expect(report.calls.some((c) => c.startsWith('fs.writeFileSync('))).toBe(true);
    expect(report.calls.some((c) => c.startsWith('net.'))).toBe(true);
    expect(report.calls.some((c) => c.startsWith('globalThis.setInterval'))).toBe(true);
    expect(Object.keys(report.differences)).toEqual(expect.arrayContaining(['globals', 'listeners']));
  });
});
