/**
 * A newcomer on Node 20 (still the default on many machines) runs the
 * README's two commands. Each must stop at once and say what is needed:
 * `npm ci` through `.npmrc`'s engine-strict (npm 10 and 11 check the project
 * itself), `npm run demo` and `npm test` through scripts/check-node.cjs,
 * with one line naming Node.js >= 22.19 and how to get it. Run with the
 * machine's real old node (Debian's nodejs), skipped where there is none.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atLeast, MIN_NODE } from '../src/cli/node-version.js';
import { tempDir } from './support/workspace.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OLD_PATH = '/usr/bin:/bin';
const old = spawnSync('node', ['-p', 'process.versions.node'], { env: { PATH: OLD_PATH }, encoding: 'utf8' });
const oldVersion = old.status === 0 ? old.stdout.trim() : undefined;
const npm = spawnSync('npm', ['--version'], { env: { PATH: OLD_PATH, HOME: '/tmp' }, encoding: 'utf8' });
const SKIP =
  oldVersion === undefined
    ? `no node in ${OLD_PATH}`
    : atLeast(oldVersion, MIN_NODE)
      ? `the node in ${OLD_PATH} is ${oldVersion}, new enough: nothing to show`
      : npm.status !== 0
        ? `npm does not run on Node.js ${oldVersion}`
        : undefined;
if (SKIP) console.log(`test/first-contact.test.ts skipped: ${SKIP}`);

describe.skipIf(SKIP !== undefined)(`first contact on an old Node.js (${oldVersion ?? 'none'})`, () => {
  const ws = tempDir('pylock-attest-first-contact-');
  afterAll(() => ws.cleanup());
  // The project's own files that decide what happens before anything is installed or built.
  mkdirSync(join(ws.dir, 'scripts'));
  for (const file of ['package.json', 'package-lock.json', '.npmrc', 'scripts/check-node.cjs']) copyFileSync(join(ROOT, file), join(ws.dir, file));
  const env = {
    PATH: OLD_PATH,
    HOME: ws.dir,
    npm_config_cache: join(ws.dir, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  const npmRun = (args: string[]) => spawnSync('npm', args, { cwd: ws.dir, env, encoding: 'utf8', timeout: 120_000 });

  it('`npm run demo` and `npm test` stop at once with one line: the version needed and how to get it', () => {
    for (const script of [['run', 'demo'], ['test']]) {
      const r = npmRun(script);
      expect(r.status, script.join(' ')).not.toBe(0);
      const out = `${r.stdout}${r.stderr}`;
      const lines = out.split('\n').filter((l) => l.includes('pylock-attest needs Node.js'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `pylock-attest needs Node.js >= 22.19; this is Node.js ${oldVersion} (${lines[0]!.match(/ \((\/\S+)\)\. /)?.[1]}). Install Node.js 24 LTS (https://nodejs.org/en/download, or: nvm install 24 / fnm install 24 / volta install node@24) and run this again.`,
      );
      // Nothing ran after the check (npm's own `> script` echo aside): no build, no loader error, no test runner.
      expect(
        out
          .split('\n')
          .filter((l) => !l.startsWith('> '))
          .join('\n'),
      ).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|tsc|vitest|Map\.groupBy/);
    }
  });

  it('`npm ci` refuses before installing anything (engine-strict), naming the Node.js it needs', () => {
    const r = npmRun(['ci', '--offline']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('EBADENGINE');
    expect(r.stderr).toContain('Not compatible with your version of node/npm: pylock-attest@');
    expect(r.stderr).toContain(`Required: {"node":">=${MIN_NODE}"}`);
    expect(existsSync(join(ws.dir, 'node_modules'))).toBe(false);
  });
});
