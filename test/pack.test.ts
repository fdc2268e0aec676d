import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, type CliRun } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const ROOT = resolve(import.meta.dirname, '..');
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
/** Node 24 first on PATH, for npm's own `#!/usr/bin/env node` and for npx. */
const PATH = `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`;

function run(cmd: string, args: string[], cwd: string): Promise<CliRun> {
  return runProcess(cmd, args, { cwd, env: { ...process.env, PATH, NO_COLOR: '1', npm_config_update_notifier: 'false' } });
}

/** npm's codes for "the registry cannot be reached": then the install test is skipped, not failed. */
const OFFLINE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED)\b/;

describe('the published package.json carries no scripts (prepack strips them, postpack restores the file)', () => {
  const ws = tempDir('pylock-attest-manifest-');
  afterAll(() => ws.cleanup());
  const original = readFileSync(join(ROOT, 'package.json'), 'utf8');
  const manifest = join(ws.dir, 'package.json');
  const script = join(ws.dir, 'scripts/pack-manifest.cjs');
  mkdirSync(join(ws.dir, 'scripts'));
  cpSync(join(ROOT, 'scripts/pack-manifest.cjs'), script);
  const step = (mode: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [script, mode], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });

  it('strip: no scripts, every other field as it was; restore: the file byte for byte; an interrupted pack is repaired', () => {
    writeFileSync(manifest, original);
    expect(step('strip').status).toBe(0);
    const stripped = JSON.parse(readFileSync(manifest, 'utf8'));
    const { scripts, ...rest } = JSON.parse(original);
    expect(Object.keys(scripts)).toContain('prepack');
    expect(stripped).toEqual(rest);
    // A pack that died before postpack: the next prepack starts from the saved original.
    expect(step('strip').status).toBe(0);
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toEqual(rest);
    expect(step('restore').status).toBe(0);
    expect(readFileSync(manifest, 'utf8')).toBe(original);
  });

  it('under npm publish the registry copy is stripped too: postpack keeps it, postpublish restores', () => {
    writeFileSync(manifest, original);
    expect(step('strip').status).toBe(0);
    expect(step('restore', { npm_command: 'publish', npm_lifecycle_event: 'postpack' }).status).toBe(0);
    expect(JSON.parse(readFileSync(manifest, 'utf8')).scripts).toBeUndefined();
    expect(step('restore', { npm_command: 'publish', npm_lifecycle_event: 'postpublish' }).status).toBe(0);
    expect(readFileSync(manifest, 'utf8')).toBe(original);
  });

  it('package.json builds in prepack, not in an install-time script', () => {
    const { scripts } = JSON.parse(original);
    expect(scripts.prepack).toBe('npm run build && node scripts/pack-manifest.cjs strip');
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(scripts[hook], hook).toBeUndefined();
  });
});

describe('npm pack', () => {
  const ws = tempDir('pylock-attest-pack-');
  let tarball = '';
  let files: string[] = [];

  beforeAll(async () => {
    // --ignore-scripts: vitest's global setup has just built dist/; rebuilding it here would race the other test files.
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', ws.dir], ROOT);
    if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(ws.dir, info!.filename);
    files = info!.files.map((f) => f.path);
  }, 60_000);
  afterAll(() => ws.cleanup());

  it('ships dist, bin, README, LICENSE and package.json, and nothing else', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/pylock-attest.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js'])
      expect(files).toContain(f);
    const unexpected = files.filter((f) => !/^(dist\/.+\.(js|d\.ts)|bin\/pylock-attest\.js|README\.md|LICENSE|package\.json)$/.test(f));
    expect(unexpected).toEqual([]);
    // No tests, fixtures, sources, source maps or local config in the tarball.
    expect(files.filter((f) => /^(src|test|fixtures|scripts|bench|docs|examples|\.ci)\/|\.map$|\.npmrc$|tsconfig/.test(f))).toEqual([]);
  });

  it('installs from the tarball into an empty project: `npx pylock-attest --version`, the library, and its types', async (ctx) => {
    const consumer = join(ws.dir, 'consumer');
    await run('mkdir', ['-p', consumer], ws.dir);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], consumer);
    if (install.code !== 0 && OFFLINE.test(install.stderr)) {
      ctx.skip(`skipped: the npm registry is unreachable (${OFFLINE.exec(install.stderr)?.[0]}); dependencies cannot be installed`);
    }
    expect(install.code, install.stderr).toBe(0);
    // Installed locally, so npx runs this package's bin and never fetches one by that name.
    expect(existsSync(join(consumer, 'node_modules/.bin/pylock-attest'))).toBe(true);

    const version = await run('npx', ['pylock-attest', '--version'], consumer);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(`pylock-attest ${VERSION}`);
    const help = await run('npx', ['pylock-attest', 'enrich', '--help'], consumer);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--index-url');

    const lib = await run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('pylock-attest'); console.log(typeof m.enrich, typeof m.refresh, m.VERSION)"],
      consumer,
    );
    expect(lib.stdout.trim()).toBe(`function function ${VERSION}`);

    // A TypeScript consumer compiles against the shipped declarations (exports → types).
    writeFileSync(
      join(consumer, 'use.ts'),
      [
        "import { enrich, refresh, PylockAttestError, type EnrichResult, type RefreshResult } from 'pylock-attest';",
        "const a: EnrichResult = await enrich(['pylock.toml'], { dryRun: true, indexUrl: 'https://pypi.org/simple' });",
        "const b: RefreshResult = await refresh(['pylock.toml']);",
        'const code: 0 | 1 | 2 | 3 = a.exitCode;',
        "const e: unknown = new PylockAttestError('USAGE', 'x');",
        'export { b, code, e };',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['use.ts'],
      }),
    );
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', consumer], consumer);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);
});
