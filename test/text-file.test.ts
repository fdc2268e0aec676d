/**
 * The one loader (io/text-file.ts): bytes → strict UTF-8 → one BOM removed,
 * two refused. Each path that reads text goes through it, so each judges an
 * encoding alike: a lockfile on disk, a `git:` baseline, the policy file, a
 * requirements file.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it, afterAll } from 'vitest';
import { loadLockInput } from '../src/app/lock-input.js';
import { loadLockfile } from '../src/app/read-lockfile.js';
import { PylockAttestError } from '../src/errors.js';
import { loadPolicy } from '../src/io/policy-file.js';
import { readRequirementsFiles } from '../src/io/requirements-file.js';
import { decodeText } from '../src/io/text-file.js';
import { tempDir } from './support/workspace.ts';

const BOM = '\uFEFF';
const LOCK =
  'lock-version = "1.0"\n\n[[packages]]\nname = "demo"\nversion = "1.0"\nsdist = { url = "https://f.example/demo-1.0.tar.gz", hashes = { sha256 = "' +
  'ab'.repeat(32) +
  '" } }\n';
const POLICY = '[tool.pylock-attest]\nrequire-attestations = ["*"]\n';
const REQUIREMENTS = 'idna==3.6\n';

async function failure(fn: () => Promise<unknown>): Promise<{ code: string; line?: number; column?: number } | undefined> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof PylockAttestError)) throw e;
    return { code: e.code, ...(e.line !== undefined ? { line: e.line } : {}), ...(e.column !== undefined ? { column: e.column } : {}) };
  }
  return undefined;
}

describe('decodeText', () => {
  const bytes = (s: string) => Buffer.from(s, 'utf8');

  it('removes one byte order mark and says it was there', () => {
    expect(decodeText(bytes(`${BOM}a = 1\n`), 'f', 'lockfile')).toEqual({ text: 'a = 1\n', bom: true });
    expect(decodeText(bytes('a = 1\n'), 'f', 'lockfile')).toEqual({ text: 'a = 1\n', bom: false });
  });

  it("refuses a second one, with the kind's code, at 1:1", () => {
    for (const [kind, code] of [
      ['lockfile', 'LOCK_ENCODING'],
      ['policy', 'LOCK_ENCODING'],
      ['requirements', 'REQUIREMENTS'],
    ] as const) {
      expect(() => decodeText(bytes(`${BOM}${BOM}a = 1\n`), 'f', kind)).toThrow(expect.objectContaining({ code, file: 'f', line: 1, column: 1 }));
    }
  });

  it('refuses bytes that are not UTF-8, naming the line of the first bad byte', () => {
    const bad = Buffer.concat([bytes('a = 1\nb = "'), Buffer.from([0xff]), bytes('"\n')]);
    expect(() => decodeText(bad, 'f', 'lockfile')).toThrow(expect.objectContaining({ code: 'LOCK_ENCODING', line: 2 }));
    expect(() => decodeText(bad, 'r.txt', 'requirements')).toThrow(expect.objectContaining({ code: 'REQUIREMENTS', line: 2 }));
  });
});

describe('every path reads through it', () => {
  const ws = tempDir('pylock-attest-text-');
  afterAll(() => ws.cleanup());

  it('a lockfile on disk: one BOM read (and kept for the rewrite), two refused', async () => {
    const one = await loadLockfile(ws.file('one.toml', `${BOM}${LOCK}`));
    expect(one.source.bom).toBe(true);
    expect(one.model.packages[0]).toMatchObject({ name: 'demo', line: 3 });
    expect(await failure(() => loadLockfile(ws.file('two.toml', `${BOM}${BOM}${LOCK}`)))).toEqual({ code: 'LOCK_ENCODING', line: 1, column: 1 });
  });

  it('a git: baseline: the same two answers (the git path used to strip one BOM and let smol-toml drop the second)', async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.invalid');
    git('config', 'commit.gpgsign', 'false');
    ws.file('git-one.toml', `${BOM}${LOCK}`);
    ws.file('git-two.toml', `${BOM}${BOM}${LOCK}`);
    git('add', 'git-one.toml', 'git-two.toml');
    git('commit', '-q', '-m', 'boms');
    const one = await loadLockInput('git:HEAD:git-one.toml', { cwd: ws.dir });
    expect(one.model.packages.map((p) => p.name)).toEqual(['demo']);
    expect(await failure(() => loadLockInput('git:HEAD:git-two.toml', { cwd: ws.dir }))).toEqual({ code: 'LOCK_ENCODING', line: 1, column: 1 });
  });

  it('the policy file: one BOM read, two refused', async () => {
    expect((await loadPolicy({ file: ws.file('policy.toml', `${BOM}${POLICY}`) })).requireAttestations).toEqual(['*']);
    expect(await failure(() => loadPolicy({ file: ws.file('policy2.toml', `${BOM}${BOM}${POLICY}`) }))).toEqual({ code: 'LOCK_ENCODING', line: 1, column: 1 });
  });

  it('a requirements file: one BOM read (the first pin is on line 1), two refused', async () => {
    const input = await readRequirementsFiles([ws.file('r.txt', `${BOM}${REQUIREMENTS}`)]);
    expect(input.entries).toMatchObject([{ kind: 'pin', pin: { name: 'idna', version: '3.6', at: { line: 1, column: 1 } } }]);
    expect(await failure(() => readRequirementsFiles([ws.file('r2.txt', `${BOM}${BOM}${REQUIREMENTS}`)]))).toEqual({
      code: 'REQUIREMENTS',
      line: 1,
      column: 1,
    });
  });
});
