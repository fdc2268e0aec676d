/**
 * docs/api.md's example is examples/library.ts, verbatim. This test checks
 * that the doc shows the file as it is, that it type-checks against the
 * package's published declarations (`import ... from 'pylock-attest'`), and
 * runs it with plain node against a loopback index.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore } from './support/mint.ts';
import { runProcess, stateEnv, type CliRun } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const ROOT = resolve(import.meta.dirname, '..');
const EXAMPLE = join(ROOT, 'examples/library.ts');
const SHA = { demo: 'ab'.repeat(32), bare: 'cd'.repeat(32) };

function run(args: string[], cwd: string): Promise<CliRun> {
  return runProcess(process.execPath, args, {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1', PYLOCK_ATTEST_CACHE_DIR: join(cwd, '.cache'), ...stateEnv() },
  });
}

describe('docs/api.md example (examples/library.ts)', () => {
  it('docs/api.md shows examples/library.ts exactly', () => {
    const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toContain(readFileSync(EXAMPLE, 'utf8'));
  });

  it("type-checks against the package's own declarations", async () => {
    const tsc = await run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'examples')], ROOT);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });

  describe('runs with node against a local index', () => {
    const ws = tempDir();
    let index: FakeIndex;
    let root = '';

    beforeAll(async () => {
      const sigstore = await createMockSigstore();
      root = ws.file('trusted_root.json', JSON.stringify(sigstore.trustedRoot));
      const publisher = { kind: 'GitHub' as const, repository: 'acme/demo', workflow: 'release.yml' };
      const attestation = await sigstore.mint({ filename: 'demo-1.0.tar.gz', sha256: SHA.demo, publisher });
      const files: FakeFile[] = [
        {
          project: 'demo',
          version: '1.0',
          filename: 'demo-1.0.tar.gz',
          sha256: SHA.demo,
          provenance: { version: 1, attestation_bundles: [{ publisher, attestations: [attestation] }] },
        },
        { project: 'bare', version: '1.0', filename: 'bare-1.0.tar.gz', sha256: SHA.bare, provenance: null },
      ];
      index = await startFakeIndex({ files });
      ws.file('requirements.txt', `demo==1.0 --hash=sha256:${SHA.demo}\nbare==1.0 \\\n    --hash=sha256:${SHA.bare}\n`);
      // The last release's lockfile recorded demo from another repository.
      ws.file(
        'pylock.previous.toml',
        `lock-version = "1.0"\ncreated-by = "pylock-attest"\n\n[[packages]]\nname = "demo"\nversion = "0.9"\nsdist = { url = "https://files.example/demo-0.9.tar.gz", hashes = { sha256 = "${'ef'.repeat(32)}" } }\n\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "acme-old/demo"\nworkflow = "release.yml"\n`,
      );
    });
    afterAll(async () => {
      await index?.close();
      ws.cleanup();
    });

    it("locks, enriches, checks and diffs, and exits 1 for the diff's finding", async () => {
      const r = await run([EXAMPLE, ws.dir, '--index-url', index.simpleUrl, '--trusted-root', root], ws.dir);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^lock: demo 1\.0 verified GitHub acme\/demo$/m);
      expect(r.stdout).toMatch(/^lock: bare 1\.0 no-provenance $/m);
      expect(r.stdout).toContain('enrich: nothing to change');
      expect(r.stdout).toMatch(/^check: exit 0, 0 errors, \d+ requests$/m);
      expect(r.stdout).toContain('diff: exit 1');
      expect(r.stdout).toMatch(/error publisher-changed\/repository: demo \(line \d+\)/);
      expect(r.code).toBe(1);
      expect(readFileSync(join(ws.dir, 'pylock.toml'), 'utf8')).toContain('repository = "acme/demo"');
    });
  });
});
