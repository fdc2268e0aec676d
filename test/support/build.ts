/**
 * vitest global setup: build what the tests run, once per `vitest run`, before
 * any test file starts. Many tests spawn the built CLI (bin/ → dist/), so a
 * missing or stale dist/ would be skipped or, worse, tested as it was: here it
 * is rebuilt, and a build that fails (a type error) fails the run.
 *
 * `npm run build`'s tsc, made incremental here (its build info kept under
 * node_modules/.cache, never in dist/, which npm packs): about a second when
 * nothing changed. Incremental tsc trusts its build info, so after it every
 * module must have an output at least as new as its source, or the build is
 * redone from scratch (dist/ deleted, a file removed by hand). Outputs whose
 * source is gone are removed, so a deleted module can neither be imported by a
 * test nor shipped by `npm pack`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const BUILD_INFO = join(ROOT, 'node_modules/.cache/pylock-attest/tsc.tsbuildinfo');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

export default function buildOnce(): void {
  tsc();
  if (staleOutputs().length > 0) {
    rmSync(BUILD_INFO, { force: true });
    tsc();
  }
  const stale = staleOutputs();
  if (stale.length > 0) throw new Error(`the build left these outputs missing or older than their source: ${stale.join(', ')}`);
  removeOrphans();
}

function tsc(): void {
  try {
    execFileSync(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.json'), '--incremental', '--tsBuildInfoFile', BUILD_INFO], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error(`the build (tsc -p tsconfig.json) failed, so nothing was tested:\n${stdout}${stderr}`);
  }
}

/** `src/x/y.ts` → `dist/x/y.js` for every module, where that output is missing or older than the source. */
function staleOutputs(): string[] {
  return files(SRC, '.ts')
    .filter((src) => {
      const out = join(DIST, relative(SRC, src)).replace(/\.ts$/, '.js');
      return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
    })
    .map((src) => relative(ROOT, src));
}

/** dist/ outputs (`.js`, `.d.ts` and their maps) whose module no longer exists under src/. */
function removeOrphans(): void {
  for (const out of files(DIST, '')) {
    const output = /^(.+?)(\.d\.ts|\.js)(\.map)?$/.exec(relative(DIST, out));
    if (output && !existsSync(join(SRC, `${output[1]}.ts`))) rmSync(out);
  }
}

function files(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name));
}
