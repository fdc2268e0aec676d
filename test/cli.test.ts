import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore } from './support/mint.ts';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'pylock-attest-cli-cache-'));

// A private cache dir: a reused loopback port must never meet another test's cached answers.
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { PYLOCK_ATTEST_CACHE_DIR: cacheDir, ...env } });

describe('the built CLI', () => {
  const ws = tempDir();
  let index: FakeIndex;
  let root: string;
  const sha = 'ab'.repeat(32);
  const lock = `# a comment we keep\nlock-version = "1.0"\n\n[[packages]]\nname = "demo"\nversion = "1.0"\nsdist = { url = "https://files.example/demo-1.0.tar.gz", hashes = { sha256 = "${sha}" } }\n\n[[packages]]\nname = "bare"\nversion = "2.0"\nwheels = [{ url = "https://files.example/bare-2.0-py3-none-any.whl", hashes = { sha256 = "${'cd'.repeat(32)}" } }]\n`;

  beforeAll(async () => {
    const sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    const publisher = { kind: 'GitHub' as const, repository: 'acme/demo', workflow: 'release.yml' };
    const attestation = await sigstore.mint({ filename: 'demo-1.0.tar.gz', sha256: sha, publisher });
    index = await startFakeIndex({
      files: [
        {
          project: 'demo',
          version: '1.0',
          filename: 'demo-1.0.tar.gz',
          sha256: sha,
          provenance: { version: 1, attestation_bundles: [{ publisher: { ...publisher, environment: 'pypi' }, attestations: [attestation] }] },
        },
        { project: 'bare', version: '2.0', filename: 'bare-2.0-py3-none-any.whl', sha256: 'cd'.repeat(32), provenance: null },
      ],
    });
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  it('--help and --version exit 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('enrich');
    const version = await run(['--version']);
    expect(version.stdout.trim()).toBe(`pylock-attest ${JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')).version}`);
  });

  it('enriches in place (exit 0), reports each package, and a second run is a no-op', async () => {
    const path = ws.file('pylock.toml', lock);
    const first = await run(['enrich', path, '--index-url', index.simpleUrl, '--trusted-root', root]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/demo 1\.0\s+verified\s+GitHub acme\/demo \(release\.yml, env pypi \[index claim\]\) \[added\]/);
    // An unremarkable package is counted, not listed (--verbose lists it: test/cli-ux.test.ts).
    expect(first.stdout).toMatch(/… 1 more package with nothing to report \(1 without provenance\)/);
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(
      lock.replace(
        'hashes = { sha256 = "' + sha + '" } }\n',
        'hashes = { sha256 = "' +
          sha +
          '" } }\n\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "acme/demo"\nworkflow = "release.yml"\nenvironment = "pypi"\n',
      ),
    );
    const second = await run(['enrich', path, '--index-url', index.simpleUrl, '--trusted-root', root, '--format', 'json']);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report).toMatchObject({ schema: 'pylock-attest/enrich@2', exitCode: 0, lockfiles: [{ changed: false, written: false }] });
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('exit 2 for usage and input errors, naming file and line', async () => {
    expect((await run(['enrich'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    const bad = ws.file('bad.toml', 'lock-version = "1.0"\n[[packages]]\nname = \n');
    const r = await run(['enrich', bad, '--index-url', index.simpleUrl, '--trusted-root', root]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain(`${bad}:3:`);
    const v2 = ws.file('v2.toml', 'lock-version = "2.0"\n');
    expect((await run(['enrich', v2])).code).toBe(2);
    expect((await run(['enrich', ws.dir + '/missing.toml'])).code).toBe(2);
  });

  it('exit 3 when the index is down, file untouched', async () => {
    const path = ws.file('down.toml', lock);
    const r = await run(['enrich', path, '--index-url', 'http://127.0.0.1:9/simple', '--trusted-root', root, '--timeout', '2']);
    expect(r.code).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe(lock);
  });

  it('refuses a non-HTTPS index (exit 2)', async () => {
    const path = ws.file('http.toml', lock);
    const r = await run(['enrich', path, '--index-url', 'http://pypi.example/simple']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('insecure index URL');
  });
});
