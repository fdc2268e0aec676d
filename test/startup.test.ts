import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PylockAttestError } from '../src/errors.js';
import { MIN_NODE, atLeast, checkNodeVersion } from '../src/cli/node-version.js';
import { COMMANDS } from '../src/cli/options.js';
import { runProcess, stateEnv, type CliRun } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/pylock-attest.js');
const TRACE = join(ROOT, 'test/support/module-trace.ts');
/** The heavy dependencies `--help` must never load (docs/architecture.md). */
const HEAVY = /\/node_modules\/(undici|@sigstore\/[^/]+|sigstore|@renovatebot\/pep440)\//;

function spawnNode(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runProcess(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1', ...stateEnv(), ...env },
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('startup', () => {
  const ws = tempDir();
  afterAll(() => ws.cleanup());

  const cases = [['--help'], ['--version'], ['help'], ['help', 'enrich'], ...COMMANDS.map((c) => [c.name, '--help'])];
  for (const args of cases) {
    it(`\`pylock-attest ${args.join(' ')}\` loads no sigstore, undici or command code`, async () => {
      const out = join(ws.dir, `${args.join('_')}.json`);
      const run = await spawnNode(['--import', TRACE, BIN, ...args], { MODULE_TRACE_OUT: out });
      expect(run.code).toBe(0);
      const loaded: string[] = JSON.parse(readFileSync(out, 'utf8'));
      expect(loaded.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true); // the trace works
      expect(loaded.filter((u) => HEAVY.test(u))).toEqual([]);
      // Commands are loaded only when they run (src/cli/commands.ts), and help needs no parser library.
      expect(loaded.filter((u) => /\/dist\/(cli\/run-|app\/|net\/|verify\/)/.test(u))).toEqual([]);
      expect(loaded.filter((u) => /\/node_modules\//.test(u))).toEqual([]);
    });
  }

  it('measures `--help` against a bare node start (reported, not asserted: timing is noisy)', async () => {
    const runs = 5;
    const help: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push((await spawnNode(['-e', '0'])).ms);
      help.push((await spawnNode([BIN, '--help'])).ms);
    }
    const [h, b] = [median(help), median(bare)];
    console.log(
      `startup: \`pylock-attest --help\` median ${h.toFixed(0)} ms over ${runs} runs; bare \`node -e 0\` ${b.toFixed(0)} ms; our own cost ${(h - b).toFixed(0)} ms`,
    );
    expect(help).toHaveLength(runs);
  });
});

describe('the Node.js version guard', () => {
  it('agrees with package.json engines', () => {
    const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
    expect(engines).toBe(`>=${MIN_NODE}`);
  });

  it('compares versions numerically', () => {
    expect(atLeast('22.19.0', '22.19.0')).toBe(true);
    expect(atLeast('22.20.1', '22.19.0')).toBe(true);
    expect(atLeast('24.0.0', '22.19.0')).toBe(true);
    expect(atLeast('22.9.0', '22.19.0')).toBe(false);
    expect(atLeast('20.20.2', '22.19.0')).toBe(false);
    expect(() => checkNodeVersion('20.20.2', '/usr/bin/nodejs')).toThrowError(PylockAttestError);
    try {
      checkNodeVersion('20.20.2', '/usr/bin/nodejs');
    } catch (e) {
      expect((e as PylockAttestError).code).toBe('USAGE');
    }
  });

  // Debian's nodejs 20 is what pre-commit's `language_version: system` can pick (docs/pre-commit.md).
  const old = ['/usr/bin/nodejs', '/usr/bin/node'].find((p) => existsSync(p));
  it.skipIf(old === undefined)('an old node gets exit 2 and a message, not a crash', async () => {
    const version = (await runProcess(old!, ['-p', 'process.versions.node'])).stdout.trim();
    if (atLeast(version, MIN_NODE)) return; // this machine's system node is new enough: nothing to show
    const run = await runProcess(old!, [BIN, 'enrich', 'pylock.toml'], { cwd: ROOT, env: { PATH: '/usr/bin:/bin', NO_COLOR: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(MIN_NODE);
    expect(run.stderr).not.toContain('internal error');
  });
});
