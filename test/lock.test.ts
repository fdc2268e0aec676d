import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { enrich } from '../src/app/enrich.js';
import { lock, type LockOptions, type LockResult } from '../src/app/lock.js';
import { parseLock } from '../src/core/lockfile.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, type MintPublisher, type MockSigstore } from './support/mint.ts';
import { checkWithPackagingPylock, PylockOracle } from './support/pylock-oracle.ts';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/requirements');
const h = (pair: string) => pair.repeat(32);

const REQUESTS: MintPublisher = { kind: 'GitHub', repository: 'psf/requests', workflow: 'publish.yml' };
const IDNA: MintPublisher = { kind: 'GitHub', repository: 'kjd/idna', workflow: 'deploy.yml' };
const CHARSET: MintPublisher = { kind: 'GitHub', repository: 'jawah/charset_normalizer', workflow: 'cd.yml' };
const URLLIB3: MintPublisher = { kind: 'GitHub', repository: 'urllib3/urllib3', workflow: 'publish.yml' };

/** The files the fixtures pin, and a few they do not (another version, a sibling project). */
const FILES: Array<Omit<FakeFile, 'provenance'> & { publisher?: MintPublisher }> = [
  {
    project: 'requests',
    version: '2.31.0',
    filename: 'requests-2.31.0.tar.gz',
    sha256: h('a1'),
    publisher: REQUESTS,
    uploadTime: '2023-05-22T15:12:44.123456+02:00',
    requiresPython: '>=3.7',
  },
  { project: 'requests', version: '2.31.0', filename: 'requests-2.31.0-py3-none-any.whl', sha256: h('a2'), publisher: REQUESTS, requiresPython: '>=3.7' },
  { project: 'requests', version: '2.30.0', filename: 'requests-2.30.0-py3-none-any.whl', sha256: h('a3'), publisher: REQUESTS },
  { project: 'idna', version: '3.6', filename: 'idna-3.6-py3-none-any.whl', sha256: h('b1'), publisher: IDNA, requiresPython: '>=3.5' },
  { project: 'idna', version: '3.6', filename: 'idna-3.6.tar.gz', sha256: h('b2'), publisher: IDNA, requiresPython: '>=3.5' },
  { project: 'certifi', version: '2024.2.2', filename: 'certifi-2024.2.2-py3-none-any.whl', sha256: h('c1'), size: 163774 },
  { project: 'certifi', version: '2024.2.2', filename: 'certifi-2024.2.2.tar.gz', sha256: h('c2'), size: 160444 },
  { project: 'colorama', version: '0.4.6', filename: 'colorama-0.4.6-py2.py3-none-any.whl', sha256: h('d1'), uploadTime: null, size: null },
  { project: 'charset-normalizer', version: '3.3.2', filename: 'charset-normalizer-3.3.2.tar.gz', sha256: h('e0'), publisher: CHARSET },
  { project: 'charset-normalizer', version: '3.3.2', filename: 'charset_normalizer-3.3.2-py3-none-any.whl', sha256: h('e1'), publisher: CHARSET },
  { project: 'charset-normalizer', version: '3.3.2', filename: 'charset_normalizer-3.3.2-cp312-cp312-win_amd64.whl', sha256: h('e2'), publisher: CHARSET },
  {
    project: 'charset-normalizer',
    version: '3.3.2',
    filename: 'charset_normalizer-3.3.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    sha256: h('e3'),
    publisher: CHARSET,
  },
  {
    project: 'urllib3',
    version: '2.0.7',
    filename: 'urllib3-2.0.7-py3-none-any.whl',
    sha256: h('f1'),
    publisher: URLLIB3,
    yanked: 'regression in 2.0.7, use 2.0.8',
  },
  { project: 'urllib3', version: '2.0.7', filename: 'urllib3-2.0.7.tar.gz', sha256: h('f2'), publisher: URLLIB3, yanked: true },
];

let sigstore: MockSigstore;
let index: FakeIndex;
let root: string;
const ws = tempDir('pylock-attest-lock-');
/** Every lockfile `lock` writes here is read back by Python's packaging.pylock (end of file). */
const oracle = new PylockOracle();

async function served(files: typeof FILES, publisherFor: (f: (typeof FILES)[number]) => MintPublisher | undefined = (f) => f.publisher): Promise<FakeFile[]> {
  return Promise.all(
    files.map(async ({ publisher: _, ...f }) => {
      const publisher = publisherFor({ ...f, publisher: _ });
      if (publisher === undefined) return { ...f, provenance: null };
      const attestation = await sigstore.mint({ filename: f.filename, sha256: f.sha256, publisher });
      return { ...f, provenance: { version: 1, attestation_bundles: [{ publisher: { ...publisher, environment: null }, attestations: [attestation] }] } };
    }),
  );
}

beforeAll(async () => {
  sigstore = await createMockSigstore();
  root = ws.file('trusted_root.json', JSON.stringify(sigstore.trustedRoot));
  index = await startFakeIndex({ files: await served(FILES) });
});
afterAll(async () => {
  await index?.close();
  oracle.settle();
  ws.cleanup();
});

/** A fresh directory holding the fixtures (and any extra files), so outputs never collide. */
let dirs = 0;
function workdir(extra: Record<string, string> = {}): string {
  const dir = join(ws.dir, `w${++dirs}`);
  cpSync(FIXTURES, dir, { recursive: true });
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

function run(dir: string, inputs: string[], options: LockOptions = {}): Promise<LockResult> {
  const all: LockOptions = { output: join(dir, 'pylock.toml'), indexUrl: index.simpleUrl, trustedRoot: root, cache: false, env: {}, ...options };
  oracle.created(all.output!);
  return lock(
    inputs.map((i) => join(dir, i)),
    all,
  );
}

function expectNoOutput(dir: string): void {
  expect(existsSync(join(dir, 'pylock.toml'))).toBe(false);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}

describe('lock: resolved requirements → pylock.toml with identities', () => {
  it('writes the hashed fixture: every listed file, sorted, markers, includes, identities; exact bytes', async () => {
    const dir = workdir();
    const result = await run(dir, ['requirements.txt']);
    expect(result.exitCode).toBe(0);
    expect(result.requirements.map((f) => f.slice(dir.length + 1))).toEqual(['requirements.txt', 'base.txt', 'constraints.txt']);
    expect(result.lockfiles[0]).toMatchObject({ written: true, changed: true, warnings: [] });
    const text = readFileSync(join(dir, 'pylock.toml'), 'utf8');
    const expected = readFileSync(join(FIXTURES, 'expected', 'requirements.pylock.toml'), 'utf8').replaceAll('{ORIGIN}', index.origin);
    expect(text).toBe(expected);
    expect(result.lockfiles[0]!.packages.map((p) => [p.name, p.status, p.action])).toEqual([
      ['certifi', 'no-provenance', 'none'],
      ['colorama', 'no-provenance', 'none'],
      ['idna', 'verified', 'added'],
      ['requests', 'verified', 'added'],
    ]);
  });

  it('round-trips through our reader, loads in tomllib, and enrich on it changes nothing', async () => {
    const dir = workdir();
    await run(dir, ['requirements.txt']);
    const path = join(dir, 'pylock.toml');
    const before = readFileSync(path);
    const model = parseLock(before.toString('utf8'), path);
    expect(model.packages.map((p) => [p.name, p.version, p.files.map((f) => f.filename)])).toEqual([
      ['certifi', '2024.2.2', ['certifi-2024.2.2.tar.gz', 'certifi-2024.2.2-py3-none-any.whl']],
      ['colorama', '0.4.6', ['colorama-0.4.6-py2.py3-none-any.whl']],
      ['idna', '3.6', ['idna-3.6.tar.gz', 'idna-3.6-py3-none-any.whl']],
      ['requests', '2.31.0', ['requests-2.31.0.tar.gz', 'requests-2.31.0-py3-none-any.whl']],
    ]);
    expect(model.packages[3]!.identities).toEqual([{ kind: 'GitHub', repository: 'psf/requests', workflow: 'publish.yml' }]);
    const enriched = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, cache: false });
    expect(enriched.exitCode).toBe(0);
    expect(enriched.lockfiles[0]).toMatchObject({ changed: false, written: false });
    expect(enriched.lockfiles[0]!.packages.every((p) => p.action === 'unchanged' || p.action === 'none')).toBe(true);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it.skipIf(!hasTomllib())('loads in Python tomllib with the same data', async () => {
    const dir = workdir();
    await run(dir, ['requirements.txt']);
    const path = join(dir, 'pylock.toml');
    const py = spawnSync('python3', ['-c', 'import json,sys,tomllib; d=tomllib.load(open(sys.argv[1],"rb")); print(json.dumps(d, default=str))', path], {
      encoding: 'utf8',
    });
    expect(py.status).toBe(0);
    const data = JSON.parse(py.stdout);
    const ours = parse(readFileSync(path, 'utf8')) as { packages: Array<Record<string, unknown>> };
    expect(data.packages.map((p: Record<string, unknown>) => [p['name'], p['marker'], p['attestation-identities']])).toEqual(
      ours.packages.map((p) => [p['name'], p['marker'], p['attestation-identities']]),
    );
    expect(data.packages[3].sdist['upload-time']).toBe('2023-05-22 13:12:44.123456+00:00');
  });

  it('lock on its own output is enrich: same bytes, nothing written, no new page request per project', async () => {
    const dir = workdir();
    await run(dir, ['requirements.txt']);
    const path = join(dir, 'pylock.toml');
    const before = readFileSync(path);
    writeFileSync(path, `# a comment the user added\n${before.toString('utf8')}`);
    const kept = readFileSync(path);
    const again = await run(dir, ['requirements.txt']);
    expect(again.exitCode).toBe(0);
    expect(again.lockfiles[0]).toMatchObject({ changed: false, written: false });
    expect(readFileSync(path).equals(kept)).toBe(true);
    // 4 project pages + 4 provenance documents (certifi and colorama have none): no page twice.
    expect(again.requests).toBe(8);
  });

  it('records every file of the version without hashes, and warns (a yanked file too)', async () => {
    const dir = workdir();
    const result = await run(dir, ['unhashed.txt']);
    expect(result.exitCode).toBe(0);
    const model = parseLock(readFileSync(join(dir, 'pylock.toml'), 'utf8'), 'x');
    expect(model.packages.map((p) => [p.name, p.files.length])).toEqual([
      ['charset-normalizer', 4],
      ['urllib3', 2],
    ]);
    const warnings = result.lockfiles[0]!.warnings;
    expect(warnings.filter((w) => w.includes('has no --hash'))).toHaveLength(2);
    const yanked = warnings.filter((w) => w.includes('is yanked'));
    expect(yanked).toHaveLength(2);
    expect(yanked.every((w) => w.startsWith(`${join(dir, 'unhashed.txt')}:5:`))).toBe(true);
    expect(yanked.some((w) => w.includes('urllib3-2.0.7-py3-none-any.whl is yanked (reason given: regression in 2.0.7, use 2.0.8)'))).toBe(true);
  });

  it('reads CRLF files with continuations, and the marker is normalized', async () => {
    const dir = workdir();
    const result = await run(dir, ['crlf.txt']);
    expect(result.exitCode).toBe(0);
    const data = parse(readFileSync(join(dir, 'pylock.toml'), 'utf8')) as { packages: Array<Record<string, unknown>> };
    expect(data.packages.map((p) => [p['name'], p['marker']])).toEqual([
      ['idna', undefined],
      ['requests', "python_version >= '3.8'"],
    ]);
  });

  it('follows --index-url and --extra-index-url: the first index that lists a project supplies it', async () => {
    const mirror = await startFakeIndex({
      files: await served([
        { project: 'private-pkg', version: '1.0', filename: 'private_pkg-1.0-py3-none-any.whl', sha256: h('99'), publisher: REQUESTS },
        { project: 'idna', version: '3.6', filename: 'idna-3.6-py3-none-any.whl', sha256: h('98') },
      ]),
    });
    try {
      const dir = workdir({ 'multi.txt': `--index-url ${index.simpleUrl}\n--extra-index-url ${mirror.simpleUrl}/\nidna==3.6\nprivate-pkg==1.0\n` });
      const result = await run(dir, ['multi.txt'], { indexUrl: undefined, allowIndexHosts: ['127.0.0.1'] });
      expect(result.exitCode).toBe(0);
      const data = parse(readFileSync(join(dir, 'pylock.toml'), 'utf8')) as { packages: Array<Record<string, any>> };
      expect(data.packages.map((p) => [p['name'], p['index']])).toEqual([
        ['idna', index.simpleUrl],
        ['private-pkg', `${mirror.simpleUrl}/`],
      ]);
      expect(data.packages[0]!['wheels'][0].hashes.sha256).toBe(h('b1')); // the primary's idna, not the mirror's
      expect(result.lockfiles[0]!.packages.map((p) => p.status)).toEqual(['verified', 'verified']);
      const refused = await run(workdir({ 'multi.txt': `--index-url ${index.simpleUrl}\nidna==3.6\n` }), ['multi.txt'], { indexUrl: undefined });
      expect(refused.exitCode).toBe(2);
      expect(refused.lockfiles[0]!.error?.code).toBe('INDEX_URL');
    } finally {
      await mirror.close();
    }
  });

  it('never writes credentials or URL fragments into the lock, yet sends them to the index', async () => {
    const files = await served([
      {
        project: 'private-pkg',
        version: '1.0',
        filename: 'private_pkg-1.0-py3-none-any.whl',
        sha256: h('97'),
        publisher: REQUESTS,
        url: `../../files/private_pkg-1.0-py3-none-any.whl#sha256=${h('97')}`,
      },
    ]);
    const priv = await startFakeIndex({ files });
    try {
      const url = priv.simpleUrl.replace('http://', 'http://ci:${TOKEN}@');
      const dir = workdir({ 'private.txt': `--index-url ${url}\nprivate-pkg==1.0\n` });
      const result = await run(dir, ['private.txt'], { indexUrl: undefined, allowIndexHosts: ['127.0.0.1'], env: { TOKEN: 's3cret' } });
      expect(result.exitCode).toBe(0);
      expect(result.lockfiles[0]!.packages[0]!.status).toBe('verified');
      const text = readFileSync(join(dir, 'pylock.toml'), 'utf8');
      expect(text).not.toMatch(/s3cret|ci:|#sha256/);
      expect(text).toContain(`index = "${priv.simpleUrl}"`);
      expect(text).toContain(`url = "${priv.origin}/files/private_pkg-1.0-py3-none-any.whl"`);
      const basic = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
      expect(priv.requests.length).toBeGreaterThan(0);
      expect(priv.requests.every((r) => r.headers['authorization'] === basic)).toBe(true);
    } finally {
      await priv.close();
    }
  });

  it('keeps a recorded identity when the publisher changes (exit 1), and carries identities over when the requirements change', async () => {
    const dir = workdir();
    await run(dir, ['requirements.txt']);
    const path = join(dir, 'pylock.toml');
    const moved = await startFakeIndex({
      files: await served(FILES, (f) =>
        f.project === 'requests' ? { kind: 'GitHub', repository: 'someone-else/requests', workflow: 'publish.yml' } : f.publisher,
      ),
    });
    try {
      const before = readFileSync(path, 'utf8');
      const changed = await run(dir, ['requirements.txt'], { indexUrl: moved.simpleUrl });
      expect(changed.exitCode).toBe(1);
      expect(changed.lockfiles[0]!.findings.map((f) => [f.package, f.category, f.subkind])).toEqual([['requests', 'publisher-changed', 'repository']]);
      // Same packages from the other index: only its `index` keys differ, and the old identity stays.
      const after = readFileSync(path, 'utf8');
      expect(after).toBe(before.replaceAll(index.simpleUrl, moved.simpleUrl).replaceAll(`${index.origin}/files/`, `${moved.origin}/files/`));
    } finally {
      await moved.close();
    }
  });

  it('adds a package to an existing lock: the others keep their identities, the new one is added', async () => {
    const dir = workdir();
    await run(dir, ['requirements.txt']);
    writeFileSync(join(dir, 'more.txt'), `-r requirements.txt\ncharset-normalizer==3.3.2 --hash=sha256:${h('e1')}\n`);
    const result = await run(dir, ['more.txt']);
    expect(result.exitCode).toBe(0);
    expect(result.lockfiles[0]!.packages.map((p) => [p.name, p.action])).toEqual([
      ['certifi', 'none'],
      ['charset-normalizer', 'added'],
      ['colorama', 'none'],
      ['idna', 'unchanged'],
      ['requests', 'unchanged'],
    ]);
  });

  it('writes nothing when the index fails (exit 3), and nothing with --dry-run', async () => {
    const dir = workdir();
    // 403, not 5xx: no retries to wait for.
    index.setFault((req) => (req.path.startsWith('/simple/idna/') ? { status: 403 } : undefined));
    try {
      const failed = await run(dir, ['requirements.txt']);
      expect(failed.exitCode).toBe(3);
      expectNoOutput(dir);
    } finally {
      index.setFault(undefined);
    }
    const dry = await run(dir, ['requirements.txt'], { dryRun: true });
    expect(dry.exitCode).toBe(0);
    expect(dry.lockfiles[0]).toMatchObject({ changed: true, written: false });
    expect(dry.lockfiles[0]!.newText).toContain('[[packages.attestation-identities]]');
    expectNoOutput(dir);
  });

  it('refuses an existing output it cannot read as a lockfile, and leaves it alone', async () => {
    const dir = workdir({ 'pylock.toml': 'not = [toml\n' });
    const result = await run(dir, ['requirements.txt']);
    expect(result.exitCode).toBe(2);
    expect(result.lockfiles[0]!.error?.code).toBe('LOCK_PARSE');
    expect(readFileSync(join(dir, 'pylock.toml'), 'utf8')).toBe('not = [toml\n');
  });
});

describe('lock: every input error names file:line and writes nothing (exit 2)', () => {
  const A1 = `--hash=sha256:${h('a1')}`;
  const cases: Array<[string, Record<string, string>, string, number]> = [
    ['an unpinned requirement', { 'in.txt': 'idna==3.6\nrequests\n' }, 'in.txt', 2],
    ['a ranged requirement', { 'in.txt': 'idna==3.6\n\nrequests>=2.28,<3\n' }, 'in.txt', 3],
    ['a wildcard pin', { 'in.txt': 'requests==2.*\n' }, 'in.txt', 1],
    ['a URL requirement', { 'in.txt': '# direct\nrequests @ https://files.example/requests-2.31.0.tar.gz\n' }, 'in.txt', 2],
    ['an editable requirement', { 'in.txt': '-e ./src/pkg\n' }, 'in.txt', 1],
    ['duplicate conflicting pins across an include', { 'in.txt': '-r base.txt\nidna==3.5\n' }, 'in.txt', 2],
    ['an unknown option', { 'in.txt': 'idna==3.6\n--frobnicate\n' }, 'in.txt', 2],
    ['an unknown per-requirement option', { 'in.txt': 'idna==3.6 \\\n    --frobnicate=1\n' }, 'in.txt', 2],
    [
      'a hash the index does not have, on its continuation line',
      { 'in.txt': `requests==2.31.0 \\\n    ${A1} \\\n    --hash=sha256:${h('0f')}\n` },
      'in.txt',
      3,
    ],
    ['a hash of another version', { 'in.txt': `requests==2.31.0 --hash=sha256:${h('a3')}\n` }, 'in.txt', 1],
    ['a version the index does not have', { 'in.txt': 'idna==9.9\n' }, 'in.txt', 1],
    ['a project no index lists', { 'in.txt': 'no-such-project==1.0\n' }, 'in.txt', 1],
    ['a pin without hashes among hashed ones', { 'in.txt': `idna==3.6\nrequests==2.31.0 ${A1}\n` }, 'in.txt', 1],
    ['a pin the constraints exclude', { 'in.txt': '-c constraints.txt\nidna==3.6\nrequests==2.27.0\n' }, 'in.txt', 3],
    ['an invalid marker', { 'in.txt': 'idna==3.6 ; python_version >> "3"\n' }, 'in.txt', 1],
    ['a missing include, at the including line', { 'in.txt': 'idna==3.6\n-r missing.txt\n' }, 'in.txt', 2],
    ['an include cycle, at the line that closes it', { 'in.txt': '-r loop.txt\n', 'loop.txt': 'idna==3.6\n-r in.txt\n' }, 'loop.txt', 2],
  ];
  for (const [name, files, file, line] of cases) {
    it(name, async () => {
      const dir = workdir(files);
      const result = await run(dir, ['in.txt']);
      expect(result.exitCode).toBe(2);
      const error = result.lockfiles[0]!.error!;
      expect(error.code).toBe('REQUIREMENTS');
      expect(error.message.startsWith(`${join(dir, file)}:${line}:`)).toBe(true);
      expectNoOutput(dir);
    });
  }
});

describe('the built CLI: lock', () => {
  const cli = (args: string[], cwd: string) => runCli(args, { cwd, env: { HOME: ws.dir } });

  it('lock requirements.txt -o pylock.toml writes the lock (exit 0); an unpinned line is exit 2 with file:line', async () => {
    const dir = workdir();
    const ok = await cli(
      ['lock', 'requirements.txt', '-o', oracle.created(join(dir, 'pylock.toml')), '--index-url', index.simpleUrl, '--trusted-root', root, '--no-cache'],
      dir,
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/requests 2\.31\.0\s+verified\s+GitHub psf\/requests \(publish\.yml\) \[added\]/);
    expect(readFileSync(join(dir, 'pylock.toml'), 'utf8')).toContain('created-by = "pylock-attest"');
    writeFileSync(join(dir, 'bad.txt'), 'idna==3.6\nrequests>=2\n');
    const bad = await cli(
      ['lock', 'bad.txt', '-o', 'pylock.other.toml', '--index-url', index.simpleUrl, '--trusted-root', root, '--no-cache', '--format', 'json'],
      dir,
    );
    expect(bad.code).toBe(2);
    const report = JSON.parse(bad.stdout);
    expect(report).toMatchObject({ schema: 'pylock-attest/lock@2', exitCode: 2, lockfiles: [{ written: false, error: { code: 'REQUIREMENTS' } }] });
    expect(report.lockfiles[0].error.message).toMatch(/^bad\.txt:2:1: /);
    expect(existsSync(join(dir, 'pylock.other.toml'))).toBe(false);
  });
});

function hasTomllib(): boolean {
  const py = spawnSync('python3', ['-c', 'import tomllib'], { encoding: 'utf8' });
  return py.status === 0;
}

checkWithPackagingPylock(oracle);
