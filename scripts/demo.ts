/**
 * The main job, offline: enrich fixtures/demo/pylock.toml against a loopback
 * index serving the recorded data in fixtures/demo/, with the built CLI.
 *   npm run demo
 * The lockfile is copied to a temporary directory first; the fixture is never changed.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeIndex } from '../test/support/fake-index.ts';

const fixtures = fileURLToPath(new URL('../fixtures/demo/', import.meta.url));
const bin = fileURLToPath(new URL('../bin/pylock-attest.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'pylock-attest-demo-'));
const lockfile = join(work, 'pylock.toml');
copyFileSync(join(fixtures, 'pylock.toml'), lockfile);

const recorded = JSON.parse(readFileSync(join(fixtures, 'index.json'), 'utf8'));
const compromised = JSON.parse(readFileSync(join(fixtures, 'index-compromised.json'), 'utf8'));

const bold = (text: string): string => (process.stdout.isTTY && !process.env['NO_COLOR'] ? `\u001b[1m${text}\u001b[0m` : text);

/** Run the built CLI as a user would (async: the loopback index lives in this process). */
async function cli(title: string, args: string[]): Promise<number> {
  console.log(
    `\n${bold(
      `$ pylock-attest ${args
        .join(' ')
        .replaceAll(work + '/', '')
        .replaceAll(fixtures, 'fixtures/demo/')}`,
    )}   # ${title}`,
  );
  // Cache and key in the demo's own directory: the demo leaves nothing behind in the user's home.
  const env = { ...process.env, PYLOCK_ATTEST_CACHE_DIR: join(work, 'cache'), PYLOCK_ATTEST_STATE_DIR: join(work, 'state') };
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit', env });
  const status: number = await new Promise((done) => child.on('close', (code) => done(code ?? -1)));
  console.log(`(exit ${status})`);
  return status;
}

const index = await startFakeIndex({ files: recorded.files });
const common = ['--index-url', index.simpleUrl, '--trusted-root', join(fixtures, 'trusted_root.json')];
let failed = false;
try {
  console.log(`Demo lockfile: ${lockfile}\nLoopback index: ${index.simpleUrl} (recorded data from fixtures/demo/index.json)`);
  failed ||= (await cli('verify and record who published each file', ['enrich', lockfile, ...common])) !== 0;
  const after = readFileSync(lockfile, 'utf8');
  const before = readFileSync(join(fixtures, 'pylock.toml'), 'utf8');
  console.log('\nLines added to pylock.toml (every other byte is unchanged):');
  const old = new Set(before.split('\n'));
  for (const line of after.split('\n')) if (!old.has(line) || line.startsWith('[[packages.attestation-identities]]')) console.log(`  + ${line}`);
  failed ||= (await cli('run again: nothing changes', ['enrich', lockfile, ...common])) !== 0;
} finally {
  await index.close();
}

const attacked = await startFakeIndex({ files: [...recorded.files.filter((f: { project: string }) => f.project !== 'attrs'), ...compromised.files] });
try {
  const code = await cli('later, attrs is re-published from another repository', [
    'enrich',
    lockfile,
    '--index-url',
    attacked.simpleUrl,
    '--trusted-root',
    join(fixtures, 'trusted_root.json'),
  ]);
  failed ||= code !== 1;
  console.log(code === 1 ? '\nThe change was caught (exit 1) and the recorded identity was kept.' : '\nUNEXPECTED: the change was not reported.');
} finally {
  await attacked.close();
}
rmSync(work, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
