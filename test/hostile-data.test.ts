/**
 * Hostile data from the index and from the lockfile, through the real
 * pipeline: publisher values that try to break out of a TOML string, absurd
 * sizes, non-string claims, nesting, provenance for another file, bundles of
 * 0 or 10,000 attestations, names that try to climb out of the endpoint
 * path, `index` keys that point elsewhere, and escapes aimed at the terminal.
 *
 * What must hold: written values read back exactly (smol-toml and Python's
 * tomllib), absurd values are refused and never truncated, a refusal never
 * edits the file, and nothing the index sends reaches the terminal raw.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrich } from '../src/app/enrich.js';
import { IDENTITY_LIMITS } from '../src/core/identity.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, type MockSigstore } from './support/mint.ts';
import { runCli } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const ws = tempDir('pylock-attest-hostile-');
afterAll(() => ws.cleanup());

const sha = (i: number) => i.toString(16).padStart(2, '0').repeat(32);

interface Locked {
  name: string;
  version: string;
  filename: string;
  sha256: string;
  index?: string;
}

/** A lockfile with one sdist per package; names and URLs escaped by JSON (a TOML-compatible basic string). */
function lockText(packages: Locked[]): string {
  const q = (s: string) => JSON.stringify(s);
  const blocks = packages.map((p) => {
    const url = `https://files.example/${encodeURIComponent(p.filename)}`;
    const index = p.index === undefined ? '' : `index = ${q(p.index)}\n`;
    return `[[packages]]\nname = ${q(p.name)}\nversion = ${q(p.version)}\n${index}sdist = { url = ${q(url)}, hashes = { sha256 = ${q(p.sha256)} } }\n`;
  });
  return `lock-version = "1.0"\ncreated-by = "hostile-data"\n\n${blocks.join('\n')}`;
}

function attestationIdentities(text: string): unknown[] {
  const data = parse(text) as { packages: Array<Record<string, unknown>> };
  return data.packages.map((p) => p['attestation-identities']);
}

const havePython = spawnSync('python3', ['-c', 'import tomllib'], { encoding: 'utf8' }).status === 0;

/** Python's tomllib reads `path`; its identities come back as JSON. */
function tomllibIdentities(path: string): unknown[] {
  const script =
    'import json, sys, tomllib\nwith open(sys.argv[1], "rb") as f: d = tomllib.load(f)\nprint(json.dumps([p.get("attestation-identities") for p in d["packages"]]))';
  const run = spawnSync('python3', ['-c', script, path], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`tomllib refused ${path}: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown[];
}

/** An unverified (--no-verify) provenance object whose attestation is shape-valid but never checked. */
function claimsOnly(publisher: Record<string, unknown>, attestations = 1): unknown {
  const attestation = {
    version: 1,
    verification_material: { certificate: 'AA==', transparency_entries: [{}] },
    envelope: { statement: 'AA==', signature: 'AA==' },
  };
  return { version: 1, attestation_bundles: [{ publisher, attestations: Array.from({ length: attestations }, () => attestation) }] };
}

// ---------------------------------------------------------------------------

const VALUES: Record<string, string> = {
  quotes: `it's "quoted" ''' """ end`,
  backslashes: 'C:\\new\\table \\u0041 \\\\ \\" \\',
  newlines: 'line one\nline two\r\nthree\rfour',
  'table-breakout': 'x"]]\n[[packages]]\nname = "injected"\nversion = "6.6.6"\n',
  hash: '# not a comment # "#"',
  controls: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join(''),
  del: 'a\u007fb\u007f',
  c1: 'c1\u0080\u009b31m\u009f',
  'non-bmp': '😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀀 \u{10FFFD}',
  bidi: 'release\u202e\u2066lmy.yml\u2069',
  'byte-order-mark': '\ufeffbom',
  'line-separators': 'a\u2028b\u2029c',
  ansi: '\u001b[2J\u001b[32mverified\u001b[0m',
  'at-the-limit': 'L'.repeat(IDENTITY_LIMITS.maxValueLength),
};

const HOSTILE_KEYS: Record<string, string> = {
  'a.b': 'dotted',
  'k"ey': 'quoted',
  '[x]': 'bracketed',
  ' ': 'space',
  ключ: 'unicode',
  '#': 'hash',
  '=': 'equals',
  'new\nline': 'newline',
};

describe('publisher values are escaped so the output reads back exactly (--no-verify)', () => {
  let index: FakeIndex;
  const packages: Locked[] = [];
  const expected: unknown[] = [];
  beforeAll(async () => {
    const files: FakeFile[] = [];
    Object.entries(VALUES).forEach(([key, value], i) => {
      const p = { name: `p-${key}`, version: '1.0', filename: `p_${key.replace(/-/g, '_')}-1.0.tar.gz`, sha256: sha(i) };
      packages.push(p);
      const publisher = { kind: 'GitHub', repository: `o/${key}`, workflow: value, environment: value };
      files.push({ project: p.name, version: p.version, filename: p.filename, sha256: p.sha256, provenance: claimsOnly(publisher) });
      expected.push([{ kind: 'GitHub', repository: `o/${key}`, workflow: value, environment: value }]);
    });
    // An unknown kind: hostile keys, scalar values of every type; nested and null values are dropped.
    const custom = { name: 'p-custom', version: '1.0', filename: 'p_custom-1.0.tar.gz', sha256: sha(200) };
    packages.push(custom);
    const publisher = {
      kind: 'Custom "kind"\n]]',
      ...HOSTILE_KEYS,
      count: 3,
      ratio: 0.5,
      flag: false,
      huge: 1e21,
      nested: { a: { b: [1] } },
      list: [1, 2],
      nil: null,
    };
    files.push({ project: custom.name, version: custom.version, filename: custom.filename, sha256: custom.sha256, provenance: claimsOnly(publisher) });
    expected.push([{ kind: 'Custom "kind"\n]]', ...HOSTILE_KEYS, count: 3, ratio: 0.5, flag: false, huge: 1e21 }]);
    index = await startFakeIndex({ files });
  });
  afterAll(() => index?.close());

  it('writes every value, and smol-toml reads back exactly what the index said', async () => {
    const path = ws.file('escaped.pylock.toml', lockText(packages));
    const result = await enrich([path], { indexUrl: index.simpleUrl, verify: false, cacheDir: ws.dir });
    expect(result.lockfiles[0]!.packages.map((p) => p.status)).toEqual(packages.map(() => 'unverified'));
    expect(result.exitCode).toBe(0);
    const text = readFileSync(path, 'utf8');
    expect(attestationIdentities(text)).toEqual(expected);
    // No raw control character made it into the file, and no injected package appeared.
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
    expect((parse(text) as { packages: unknown[] }).packages).toHaveLength(packages.length);
    // A second run is a no-op: the values compare equal to what the index says.
    const again = await enrich([path], { indexUrl: index.simpleUrl, verify: false, cacheDir: ws.dir });
    expect(again.lockfiles[0]!.changed).toBe(false);
  });

  it.skipIf(!havePython)(`Python's tomllib reads the same values${havePython ? '' : ' (skipped: python3 with tomllib not found)'}`, async () => {
    const path = ws.file('escaped-tomllib.pylock.toml', lockText(packages));
    await enrich([path], { indexUrl: index.simpleUrl, verify: false, cacheDir: ws.dir });
    expect(tomllibIdentities(path)).toEqual(expected);
  });
});

describe('absurd publisher data is refused, never truncated, and the file is not edited', () => {
  const cases: Record<string, Record<string, unknown>> = {
    '100 kB value': { kind: 'GitHub', repository: 'o/r', workflow: 'w'.repeat(100_000) },
    'one character over the limit': { kind: 'GitHub', repository: 'o/r', workflow: 'w.yml', environment: 'e'.repeat(IDENTITY_LIMITS.maxValueLength + 1) },
    'a lone surrogate': { kind: 'GitHub', repository: 'o/r', workflow: 'w\ud800.yml' },
    'a number where a name goes': { kind: 'GitHub', repository: 123, workflow: 'w.yml' },
    'a boolean where a name goes': { kind: 'GitHub', repository: 'o/r', workflow: true },
    'an object where a name goes': { kind: 'GitHub', repository: 'o/r', workflow: 'w.yml', environment: { name: 'prod' } },
    'deeply nested claims (within the JSON depth bound)': { kind: 'GitHub', repository: 'o/r', workflow: 'w.yml', environment: nest(20) },
    'an array where a name goes': { kind: 'Google', email: ['a@example.com'] },
    'a kind too long': { kind: 'K'.repeat(IDENTITY_LIMITS.maxKindLength + 1), x: 'y' },
    'a key too long': { kind: 'Custom', ['k'.repeat(IDENTITY_LIMITS.maxKeyLength + 1)]: 'v' },
    'too many keys': { kind: 'Custom', ...Object.fromEntries(Array.from({ length: IDENTITY_LIMITS.maxKeys + 1 }, (_, i) => [`k${i}`, 'v'])) },
  };
  let index: FakeIndex;
  const packages: Locked[] = [];
  beforeAll(async () => {
    const files: FakeFile[] = [];
    Object.entries(cases).forEach(([, publisher], i) => {
      const p = { name: `absurd-${i}`, version: '1.0', filename: `absurd_${i}-1.0.tar.gz`, sha256: sha(i) };
      packages.push(p);
      files.push({ project: p.name, version: p.version, filename: p.filename, sha256: p.sha256, provenance: claimsOnly(publisher) });
    });
    index = await startFakeIndex({ files });
  });
  afterAll(() => index?.close());

  it('each is refused with a reason (and the lockfile is byte-identical)', async () => {
    const text = lockText(packages);
    const path = ws.file('absurd.pylock.toml', text);
    const result = await enrich([path], { indexUrl: index.simpleUrl, verify: false, cacheDir: ws.dir });
    const seen = result.lockfiles[0]!.packages.map((p, i) => [Object.keys(cases)[i], p.status, p.files[0]!.code ?? null]);
    // Past the JSON shape bounds (a 16 KB publisher object) the index answer itself is refused (INDEX_BODY);
    // within them, the identity limits refuse the publisher ("invalid"). Never written, never truncated.
    expect(seen).toEqual(Object.keys(cases).map((name) => (name === '100 kB value' ? [name, 'unavailable', 'INDEX_BODY'] : [name, 'invalid', null])));
    for (const p of result.lockfiles[0]!.packages) if (p.status === 'invalid') expect(p.files[0]!.detail).toMatch(/^the publisher is refused: /);
    expect(result.exitCode).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe(text);
    // Without the 100 kB case, the same refusals are findings: exit 1.
    const rest = packages.slice(1);
    const restText = lockText(rest);
    const restPath = ws.file('absurd-rest.pylock.toml', restText);
    expect((await enrich([restPath], { indexUrl: index.simpleUrl, verify: false, cacheDir: ws.dir })).exitCode).toBe(1);
    expect(readFileSync(restPath, 'utf8')).toBe(restText);
  });
});

describe('provenance objects that are not what they claim (verified runs)', () => {
  let sigstore: MockSigstore;
  let root: string;
  const target = { name: 'target', version: '1.0', filename: 'target-1.0.tar.gz', sha256: sha(7) };
  const publisher = { kind: 'GitHub' as const, repository: 'acme/target', workflow: 'release.yml' };
  beforeAll(async () => {
    sigstore = await createMockSigstore();
    root = ws.file('mock-root.json', JSON.stringify(sigstore.trustedRoot));
  });

  async function runWith(
    provenance: unknown,
    label: string,
  ): Promise<{ exitCode: number; status: string; code: string | undefined; detail: string | undefined; unchanged: boolean }> {
    const index = await startFakeIndex({
      files: [{ project: target.name, version: target.version, filename: target.filename, sha256: target.sha256, provenance }],
    });
    try {
      const text = lockText([target]);
      const path = ws.file(`${label}.pylock.toml`, text);
      const result = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, cacheDir: ws.dir });
      const file = result.lockfiles[0]!.packages[0]!.files[0]!;
      return { exitCode: result.exitCode, status: file.status, code: file.code, detail: file.detail, unchanged: readFileSync(path, 'utf8') === text };
    } finally {
      await index.close();
    }
  }

  it('an attestation for a different file (name and digest) is not verified: exit 1, unchanged', async () => {
    const other = await sigstore.mint({ filename: 'other-2.0.tar.gz', sha256: sha(8), publisher });
    const r = await runWith({ version: 1, attestation_bundles: [{ publisher, attestations: [other] }] }, 'other-file');
    expect(r).toMatchObject({ exitCode: 1, status: 'invalid', unchanged: true });
  });

  it('an attestation for the same name but another digest is not verified', async () => {
    const other = await sigstore.mint({ filename: target.filename, sha256: sha(9), publisher });
    expect(await runWith({ version: 1, attestation_bundles: [{ publisher, attestations: [other] }] }, 'other-digest')).toMatchObject({
      exitCode: 1,
      status: 'invalid',
      unchanged: true,
    });
  });

  it('an attestation for the same digest but another project is not verified', async () => {
    const other = await sigstore.mint({ filename: 'impostor-1.0.tar.gz', sha256: target.sha256, publisher });
    expect(await runWith({ version: 1, attestation_bundles: [{ publisher, attestations: [other] }] }, 'other-project')).toMatchObject({
      exitCode: 1,
      status: 'invalid',
      unchanged: true,
    });
  });

  it('one good attestation beside one for another file: the whole file is not verified', async () => {
    const good = await sigstore.mint({ filename: target.filename, sha256: target.sha256, publisher });
    const other = await sigstore.mint({ filename: 'other-2.0.tar.gz', sha256: sha(8), publisher });
    expect(await runWith({ version: 1, attestation_bundles: [{ publisher, attestations: [good, other] }] }, 'mixed')).toMatchObject({
      exitCode: 1,
      status: 'invalid',
      unchanged: true,
    });
  });

  it('hostile characters in a verified publisher (workflow and environment) round-trip exactly', async () => {
    const workflow = 'we"ird\\name]]#.yml';
    const environment = 'prod\n]]\u007f😀';
    const hostile = { kind: 'GitHub' as const, repository: 'acme/target', workflow };
    const good = await sigstore.mint({ filename: target.filename, sha256: target.sha256, publisher: hostile });
    const index = await startFakeIndex({
      files: [
        {
          project: target.name,
          version: target.version,
          filename: target.filename,
          sha256: target.sha256,
          provenance: { version: 1, attestation_bundles: [{ publisher: { ...hostile, environment }, attestations: [good] }] },
        },
      ],
    });
    try {
      const path = ws.file('verified-hostile.pylock.toml', lockText([target]));
      const result = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, cacheDir: ws.dir });
      expect(result.exitCode).toBe(0);
      expect(result.lockfiles[0]!.packages[0]!.status).toBe('verified');
      expect(attestationIdentities(readFileSync(path, 'utf8'))).toEqual([[{ kind: 'GitHub', repository: 'acme/target', workflow, environment }]]);
      if (havePython) expect(tomllibIdentities(path)).toEqual([[{ kind: 'GitHub', repository: 'acme/target', workflow, environment }]]);
    } finally {
      await index.close();
    }
  });

  it('bundles with 0 attestations, 0 bundles, 10,000 attestations or 10,000 bundles: index failures (exit 3), unchanged', async () => {
    const att = await sigstore.mint({ filename: target.filename, sha256: target.sha256, publisher });
    const shapes: Record<string, unknown> = {
      'no attestations': { version: 1, attestation_bundles: [{ publisher, attestations: [] }] },
      'no bundles': { version: 1, attestation_bundles: [] },
      '10,000 attestations': claimsOnly(publisher, 10_000),
      '10,000 bundles': { version: 1, attestation_bundles: Array.from({ length: 10_000 }, () => ({ publisher, attestations: [att] })) },
    };
    for (const [label, provenance] of Object.entries(shapes)) {
      const r = await runWith(provenance, label.replace(/\W+/g, '-'));
      expect(r, label).toMatchObject({ exitCode: 3, status: 'unavailable', code: 'INDEX_BODY', unchanged: true });
    }
  });

  it('JSON nested 100,000 deep is refused before parsing: exit 3, unchanged', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const index = await startFakeIndex({
      files: [{ project: target.name, version: target.version, filename: target.filename, sha256: target.sha256, provenance: { version: 1 } }],
    });
    index.setFault(({ path }) => (path.startsWith('/provenance/') ? { status: 200, headers: { 'content-type': 'application/json' }, body: deep } : undefined));
    try {
      const text = lockText([target]);
      const path = ws.file('deep.pylock.toml', text);
      const result = await enrich([path], { indexUrl: index.simpleUrl, trustedRoot: root, cacheDir: ws.dir });
      expect(result.exitCode).toBe(3);
      expect(result.lockfiles[0]!.packages[0]!.files[0]).toMatchObject({ status: 'unavailable', code: 'INDEX_BODY' });
      expect(readFileSync(path, 'utf8')).toBe(text);
    } finally {
      await index.close();
    }
  });
});

describe('names that try to climb out of the endpoint path', () => {
  // Each one is on the index too, so the lookup must land on exactly this file. Each file is
  // a distribution of its package (lockfile.ts binds them), so the hostile text is in both.
  const HOSTILE: Locked[] = [
    { name: '..', version: '1.0', filename: '..-1.0.tar.gz', sha256: sha(2) },
    { name: '%2F..%2F', version: '1.0', filename: '%2F..%2F-1.0.tar.gz', sha256: sha(3) },
    { name: 'with space', version: '1.0', filename: 'with space-1.0.tar.gz', sha256: sha(4) },
    { name: 'dëmo', version: '1.0', filename: 'dëmo-1.0.tar.gz', sha256: sha(5) },
    { name: 'ver', version: 'V1.0', filename: 'ver-1.0.tar.gz', sha256: sha(6) },
    { name: '..%2F..%2Fadmin', version: '1.0', filename: '..%2F..%2Fadmin-1.0.tar.gz', sha256: sha(8) },
    { name: '?query=1#frag', version: '1.0', filename: '?query=1#frag-1.0.tar.gz', sha256: sha(9) },
  ];
  let index: FakeIndex;
  beforeAll(async () => {
    index = await startFakeIndex({
      files: HOSTILE.map((p) => ({
        project: p.name,
        version: p.version,
        filename: p.filename,
        sha256: p.sha256,
        provenance: claimsOnly({ kind: 'GitHub', repository: 'o/r', workflow: 'w.yml' }),
      })),
    });
  });
  afterAll(() => index?.close());

  for (const mode of ['integrity', 'simple'] as const) {
    it(`${mode} API: one segment per value, percent-encoded; every lookup lands on its own file`, async () => {
      index.requests.length = 0;
      const path = ws.file(`paths-${mode}.pylock.toml`, lockText(HOSTILE));
      const result = await enrich([path], { indexUrl: index.simpleUrl, verify: false, provenanceSource: mode, cacheDir: ws.dir });
      expect(result.lockfiles[0]!.packages.map((p) => p.status)).toEqual(HOSTILE.map(() => 'unverified'));
      for (const req of index.requests) {
        const segments = req.path.split('?')[0]!.split('/');
        expect(req.path).not.toMatch(/[?#]/);
        if (mode === 'integrity') {
          expect(segments).toHaveLength(6); // '', integrity, project, version, filename, provenance
          expect([segments[1], segments[5]]).toEqual(['integrity', 'provenance']);
        } else {
          expect(['simple', 'provenance']).toContain(segments[1]);
          expect(segments).toHaveLength(segments[1] === 'simple' ? 4 : 5);
        }
        // No segment goes out as a dot-segment (`..` is sent as %2E%2E).
        for (const s of segments.slice(2)) expect(['.', '..']).not.toContain(s);
      }
      if (mode === 'integrity') {
        const decoded = index.requests.map((r) => r.path.split('/').slice(2, 5).map(decodeURIComponent));
        expect(decoded).toEqual(HOSTILE.map((p) => [p.name === '..' ? '-' : p.name.toLowerCase().replace(/[-_.]+/g, '-'), p.version, p.filename]));
      }
    });
  }

  it('a name with a slash, or a version that is not PEP 440, binds to no file: a lockfile error, nothing sent', async () => {
    index.requests.length = 0;
    for (const p of [
      { name: 'a/b', version: '1.0', filename: 'a_b-1.0.tar.gz', sha256: sha(1) },
      { name: 'ver', version: '1.0/../../../admin', filename: 'ver-1.0.tar.gz', sha256: sha(6) },
      { name: 'ver2', version: '..', filename: 'ver2-1.0.tar.gz', sha256: sha(7) },
    ]) {
      const text = lockText([p]);
      const path = ws.file('unbound.pylock.toml', text);
      const result = await enrich([path], { indexUrl: index.simpleUrl, verify: false, cacheDir: ws.dir });
      expect(result.exitCode).toBe(2);
      expect(result.lockfiles[0]!.error?.code).toBe('LOCK_INVALID');
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
    expect(index.requests).toHaveLength(0);
  });

  it('a URL whose last segment decodes to a path (`%2F`, `..`) is refused as a lockfile error, nothing sent', async () => {
    index.requests.length = 0;
    for (const url of ['https://files.example/..%2F..%2Fadmin-1.0.tar.gz', 'https://files.example/%2E%2E']) {
      const text = `lock-version = "1.0"\n\n[[packages]]\nname = "x"\nversion = "1"\nsdist = { url = ${JSON.stringify(url)}, hashes = { sha256 = "${sha(1)}" } }\n`;
      const path = ws.file('bad-url.pylock.toml', text);
      const result = await enrich([path], { indexUrl: index.simpleUrl, verify: false, cacheDir: ws.dir });
      expect(result.exitCode).toBe(2);
      expect(result.lockfiles[0]!.error?.code).toBe('LOCK_INVALID');
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
    expect(index.requests).toHaveLength(0);
  });
});

describe("a lockfile's own `index`, through the CLI", () => {
  let index: FakeIndex;
  const pkg: Locked = { name: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', sha256: sha(1) };
  beforeAll(async () => {
    index = await startFakeIndex({
      files: [
        {
          project: 'demo',
          version: '1.0',
          filename: pkg.filename,
          sha256: pkg.sha256,
          provenance: claimsOnly({ kind: 'GitHub', repository: 'o/r', workflow: 'w.yml' }),
        },
      ],
    });
  });
  afterAll(() => index?.close());

  it('plain http to a remote host is refused: exit 2, file:line, says why; nothing sent', async () => {
    const text = lockText([{ ...pkg, index: 'http://pypi.example/simple' }]);
    const path = ws.file('http-index.pylock.toml', text);
    const run = await runCli(['enrich', path, '--no-verify']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}:4`);
    expect(run.stderr).toMatch(/insecure index URL/);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('a host the user did not choose (here: this machine) is refused with the flag to pass; nothing sent', async () => {
    index.requests.length = 0;
    const host = new URL(index.origin).host;
    const text = lockText([{ ...pkg, index: index.simpleUrl.replace('http://', 'http://carol:pa55@') }]);
    const path = ws.file('unexpected-host.pylock.toml', text);
    const run = await runCli(['enrich', path, '--no-verify']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}:4`);
    expect(run.stderr).toContain(`--allow-index-host ${host}`);
    expect(run.stdout + run.stderr).not.toMatch(/carol|pa55/);
    expect(index.requests).toHaveLength(0);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('--allow-index-host lets that host be queried; --index-url overrides every `index`', async () => {
    const host = new URL(index.origin).host;
    const text = lockText([{ ...pkg, index: index.simpleUrl }]);
    const allowed = ws.file('allowed-host.pylock.toml', text);
    const run = await runCli(['enrich', allowed, '--no-verify', '--allow-index-host', `pypi.example,${host}`]);
    expect(run.code).toBe(0);
    expect(attestationIdentities(readFileSync(allowed, 'utf8'))).toEqual([[{ kind: 'GitHub', repository: 'o/r', workflow: 'w.yml' }]]);
    const overridden = ws.file('overridden-host.pylock.toml', lockText([{ ...pkg, index: 'https://elsewhere.example/simple' }]));
    expect((await runCli(['enrich', overridden, '--no-verify', '--index-url', index.simpleUrl])).code).toBe(0);
  });
});

describe('terminal safety, through the CLI', () => {
  it('escapes, C1 controls and bidi overrides from the index or the lockfile never reach the terminal raw', async () => {
    const evil = '\u001b[2J\u001b[1;32mverified\u001b[0m\u009b31m\u202eevil\u0007';
    const packages: Locked[] = [
      { name: 'ansi', version: '1.0', filename: 'ansi-1.0.tar.gz', sha256: sha(1) },
      { name: 'gone', version: '1.0', filename: 'gone-1.0.tar.gz', sha256: sha(2) },
    ];
    // Refused (no file binds to such a name), and the refusal names it: in a lockfile of its own.
    const named: Locked[] = [{ name: `name${evil}`, version: `1${evil}`, filename: 'named-1.0.tar.gz', sha256: sha(3) }];
    const index = await startFakeIndex({
      files: [
        {
          project: 'ansi',
          version: '1.0',
          filename: 'ansi-1.0.tar.gz',
          sha256: sha(1),
          provenance: claimsOnly({ kind: 'GitHub', repository: `o/r${evil}`, workflow: evil, environment: evil }),
        },
        { project: 'gone', version: '1.0', filename: 'gone-1.0.tar.gz', sha256: sha(2), provenance: null },
      ],
    });
    // The Integrity API's 404 message is shown to the user: make it hostile too.
    index.setFault(({ path }) =>
      path.includes('/gone/') ? { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: evil }) } : undefined,
    );
    try {
      const path = join(ws.dir, `lock${'\u001b[31m'}.pylock.toml`);
      writeFileSync(path, lockText(packages));
      const refused = ws.file('named.pylock.toml', lockText(named));
      for (const format of ['text', 'json']) {
        const run = await runCli(
          ['enrich', path, refused, '--no-verify', '--index-url', index.simpleUrl, '--provenance-source', 'integrity', '--format', format],
          { env: { NO_COLOR: '' } },
        );
        expect(run.code).toBe(2);
        // The refusal is data in the JSON report; in a text report it is an error, on stderr.
        expect(format === 'json' ? run.stdout : run.stderr).toContain('name\\u001b[2J');
        const out = run.stdout + run.stderr;
        expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        if (format === 'text') expect(run.stdout).toMatch(/\\u001b\[2J/); // shown, escaped
      }
    } finally {
      await index.close();
    }
  });
});

function nest(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { v };
  return v;
}
