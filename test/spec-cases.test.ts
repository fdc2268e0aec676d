/**
 * PEP 751 as written, through the built CLI: one fixture per case of issue 11,
 * each with the exact bytes expected (fixtures/spec-cases/<case>/); issue 10's
 * "a locked file is bound to its package" is a case of the adversarial suite
 * (test/adversarial/cases-minted.ts). `{ORIGIN}` in a fixture is the
 * loopback index's origin. Every lockfile written here is read back by Python's
 * packaging.pylock (end of file).
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, releaseProvenance, type MockSigstore } from './support/mint.ts';
import { checkWithPackagingPylock, PylockOracle, PYLOCK_ORACLE } from './support/pylock-oracle.ts';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/spec-cases');
const h = (pair: string) => pair.repeat(32);
const oracle = new PylockOracle();
const ws = tempDir('pylock-attest-spec-cases-');

let sigstore: MockSigstore;
let index: FakeIndex;
let root: string;

/** What the loopback index lists: each case's files, under the names the index uses. */
async function indexFiles(): Promise<FakeFile[]> {
  const attested = async (f: Omit<FakeFile, 'provenance'>): Promise<FakeFile> => ({ ...f, provenance: await releaseProvenance(sigstore, f) });
  return [
    // Uploaded as MarkupSafe-…; uv writes `name = "markupsafe-…"`.
    await attested({ project: 'MarkupSafe', version: '2.1.5', filename: 'MarkupSafe-2.1.5.tar.gz', sha256: h('b1') }),
    await attested({ project: 'MarkupSafe', version: '2.1.5', filename: 'MarkupSafe-2.1.5-cp311-cp311-win_amd64.whl', sha256: h('b2') }),
    await attested({
      project: 'MarkupSafe',
      version: '2.1.5',
      filename: 'MarkupSafe-2.1.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      sha256: h('b3'),
    }),
    // `bar` is on no index (a direct URL); `baz`'s archive is a file of this index.
    await attested({ project: 'baz', version: '2.0', filename: 'baz-2.0.tar.gz', sha256: h('c2') }),
    { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', sha256: h('d1'), provenance: null },
    await attested({ project: 'other', version: '2.0', filename: 'other-2.0.tar.gz', sha256: h('d2') }),
    // download.pytorch.org percent-encodes the `+` of a local version in its file URLs.
    {
      project: 'torch',
      version: '2.3.0+cpu',
      filename: 'torch-2.3.0+cpu-cp311-cp311-linux_x86_64.whl',
      sha256: h('e1'),
      url: 'https://download.pytorch.org/whl/cpu/torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl',
      provenance: null,
    },
  ];
}

beforeAll(async () => {
  sigstore = await createMockSigstore();
  root = ws.file('trusted_root.json', JSON.stringify(sigstore.trustedRoot));
  index = await startFakeIndex({ files: await indexFiles() });
});
afterAll(async () => {
  await index?.close();
  oracle.settle();
  ws.cleanup();
});

/** A fresh copy of one case's fixtures, `{ORIGIN}` filled in. */
let copies = 0;
function caseDir(name: string): string {
  const dir = join(ws.dir, `${name}-${++copies}`);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  for (const f of readdirSync(dir)) writeFileSync(join(dir, f), readFileSync(join(dir, f), 'utf8').replaceAll('{ORIGIN}', index.origin));
  return dir;
}

function expected(name: string, file: string): string {
  return readFileSync(join(FIXTURES, name, file), 'utf8').replaceAll('{ORIGIN}', index.origin);
}

function enrichCli(path: string, ...extra: string[]) {
  return runCli(['enrich', path, '--index-url', index.simpleUrl, '--trusted-root', root, '--no-cache', ...extra]);
}

function requestsFor(project: string): string[] {
  return index.requests.map((r) => r.path).filter((p) => p.includes(`/${project}/`));
}

describe('PEP 751 as written, through the built CLI', () => {
  it('name vs URL: `name` names the file; the index is asked for the spelling it lists, never a different file', async () => {
    const dir = caseDir('name-vs-url');
    const path = oracle.track(join(dir, 'pylock.toml'));
    const run = await enrichCli(path);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/markupsafe 2\.1\.5\s+verified\s+GitHub o\/MarkupSafe \(release\.yml\) \[added\]/);
    expect(readFileSync(path, 'utf8')).toBe(expected('name-vs-url', 'expected.pylock.toml'));
  });

  it('name vs URL, Integrity API: the URL’s spelling (MarkupSafe-…) is sent, not the normalized `name`', async () => {
    const dir = caseDir('name-vs-url');
    const path = join(dir, 'pylock.toml');
    // Without the artifact-store wheel, whose exact spelling only the listing knows.
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^ {4}\{ name = "markupsafe-2\.1\.5-cp311-cp311-manylinux.*\n/m, ''));
    oracle.track(path);
    index.requests.length = 0;
    const run = await enrichCli(path, '--provenance-source', 'integrity');
    expect(run.code).toBe(0);
    expect(requestsFor('markupsafe')).toEqual([
      '/integrity/markupsafe/2.1.5/MarkupSafe-2.1.5.tar.gz/provenance',
      '/integrity/markupsafe/2.1.5/MarkupSafe-2.1.5-cp311-cp311-win_amd64.whl/provenance',
    ]);
  });

  it('direct archive: skipped with the reason, never asked about, unless the index serves its URL', async () => {
    const dir = caseDir('direct-archive');
    const path = oracle.track(join(dir, 'pylock.toml'));
    index.requests.length = 0;
    const run = await enrichCli(path, '--verbose'); // a skipped package is counted, not listed, without --verbose
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/bar 1\.0\s+skipped \(archive: a direct URL, not a distribution of this package on its index\)/);
    expect(run.stdout).toMatch(/baz 2\.0\s+verified\s+GitHub o\/baz \(release\.yml\) \[added\]/);
    expect(requestsFor('bar')).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(expected('direct-archive', 'expected.pylock.toml'));
  });

  it('identity removal keeps every comment and blank line the user wrote; only the identity lines go', async () => {
    const dir = caseDir('identity-removal');
    const path = oracle.track(join(dir, 'pylock.toml'));
    const strict = await enrichCli(path);
    expect(strict.code).toBe(1);
    // The recorded identities stay (identity-removed, exit 1); other's new one is appended after them.
    expect(readFileSync(path, 'utf8').startsWith(expected('identity-removal', 'pylock.toml'))).toBe(true);
    const run = await enrichCli(path, '--allow-identity-change');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/allowed identity-removed: demo/);
    expect(readFileSync(path, 'utf8')).toBe(expected('identity-removal', 'expected.pylock.toml'));
  });

  it('lock writes `name` when the URL’s raw last segment is not the filename (torch-2.3.0%2Bcpu-…)', async () => {
    const dir = caseDir('lock-name');
    const out = oracle.created(join(dir, 'pylock.toml'));
    const run = await runCli(['lock', join(dir, 'requirements.txt'), '-o', out, '--index-url', index.simpleUrl, '--trusted-root', root, '--no-cache']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(expected('lock-name', 'expected.pylock.toml'));
  });

  it('messages: a 16-digit sha256 is "not a 64-digit hex sha256"; a tab before --hash is named', async () => {
    const dir = caseDir('messages');
    const lockfile = join(dir, 'short-sha256.pylock.toml');
    const short = await enrichCli(lockfile);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(`${lockfile}:4: \`sdist\` (demo-1.0.tar.gz) has sha256 = "0123456789abcdef", which is not a 64-digit hex sha256`);
    expect(readFileSync(lockfile, 'utf8')).toBe(expected('messages', 'short-sha256.pylock.toml'));
    const out = join(dir, 'pylock.toml');
    const tab = await runCli(['lock', join(dir, 'tab-requirements.txt'), '-o', out, '--index-url', index.simpleUrl, '--trusted-root', root, '--no-cache']);
    expect(tab.code).toBe(2);
    expect(tab.stderr).toContain(`${join(dir, 'tab-requirements.txt')}:1:10: a tab separates the requirement from the option after it`);
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!PYLOCK_ORACLE.available)(`the packaging.pylock oracle is not blind${PYLOCK_ORACLE.available ? '' : ` (${PYLOCK_ORACLE.skipReason})`}`, () => {
  it('reports a file it accepted before and rejects after, and nothing for a file it rejected before', () => {
    const control = new PylockOracle();
    const good =
      'lock-version = "1.0"\ncreated-by = "t"\n\n[[packages]]\nname = "a"\nversion = "1.0"\nsdist = { url = "https://x/a-1.0.tar.gz", hashes = { sha256 = "00" } }\n';
    control.texts('made invalid', good, good.replace('a-1.0.tar.gz', 'b-1.0.tar.gz'));
    control.texts('invalid before', good.replace('created-by = "t"\n', ''), 'not toml [');
    control.texts('kept valid', good, good);
    const { problems, accepted } = control.check();
    expect(problems).toEqual([
      expect.stringMatching(/^made invalid: accepted before, rejected after: PylockValidationError: Name in 'b-1\.0\.tar\.gz' is not consistent/),
    ]);
    expect(accepted).toBe(2);
  });
});

checkWithPackagingPylock(oracle);
