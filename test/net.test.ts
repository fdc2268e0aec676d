/**
 * The request plan and provenance parsing, against a real loopback index.
 * Fault injection (retries, timeouts, TLS, proxies, redirects) lives in
 * net-faults.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pLimit from 'p-limit';
import { HttpClient } from '../src/net/http.js';
import { checkIndexUrl, encodeSegment, redactUrl } from '../src/net/urls.js';
import {
  integrityUrl,
  parseProvenance,
  resolveAdvertised,
  ProvenanceClient,
  simplePageUrl,
  usesIntegrityApi,
  type FileQuery,
  type Limiter,
  type LookupResult,
  type ProvenanceMode,
} from '../src/net/provenance-client.js';
import { parseSimplePage } from '../src/net/simple-page.js';
import { isPylockAttestError, type ErrorCode } from '../src/errors.js';
import { startFakeIndex, type FakeFile, type FakeIndex, type FakeIndexOptions } from './support/fake-index.js';

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name];

const INTEROP = join(import.meta.dirname, '..', '..', 'shared', 'interop');
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

function provenanceFor(repository: string): object {
  return {
    version: 1,
    attestation_bundles: [
      {
        publisher: { kind: 'GitHub', repository, workflow: 'release.yml', environment: null },
        attestations: [
          {
            version: 1,
            verification_material: { certificate: 'MIIB', transparency_entries: [{ logIndex: '1', kindVersion: { kind: 'dsse', version: '0.0.1' } }] },
            envelope: { statement: 'eyJfdHlwZSI6IngifQ==', signature: 'MEUCIQ==' },
          },
        ],
      },
    ],
  };
}

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    return isPylockAttestError(err) ? err.code : undefined;
  }
  return undefined;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function setup(files: FakeFile[], mode: ProvenanceMode, extra: Partial<FakeIndexOptions> = {}, limit: Limiter = pLimit(8)) {
  const index = await startFakeIndex({ files, ...extra });
  const attempts: string[] = [];
  const http = new HttpClient({ userAgent: 'pylock-attest/test', retryBaseMs: 1, timeoutMs: 5_000, onRequest: (i) => attempts.push(i.url) });
  open.push(http, index);
  const client = new ProvenanceClient(http, limit, { mode });
  const query = (f: Partial<FileQuery> & { filename: string }): FileQuery => ({
    project: 'demo',
    version: '1.0.0',
    sha256: SHA_A,
    indexUrl: index.simpleUrl,
    ...f,
  });
  return { index, http, client, query, attempts };
}

const DEMO: FakeFile[] = [
  { project: 'Demo', version: '1.0.0', filename: 'demo-1.0.0.tar.gz', sha256: SHA_A, provenance: provenanceFor('o/demo') },
  { project: 'Demo', version: '1.0.0', filename: 'demo-1.0.0-py3-none-any.whl', sha256: SHA_B, provenance: null },
  { project: 'Demo', version: '1.0.0', filename: 'Demo-1.0.0-Upper.whl', sha256: SHA_A, provenance: provenanceFor('o/upper') },
];

// ---------------------------------------------------------------------------

describe('index URLs', () => {
  it('accepts https anywhere and http only on loopback', () => {
    for (const ok of [
      'https://pypi.org/simple',
      'http://127.0.0.1:8080/simple',
      'http://127.9.9.9/',
      'http://localhost:1/',
      'http://[::1]:3141/root/pypi/+simple/',
    ]) {
      expect(checkIndexUrl(ok).href).toBeTruthy();
    }
    for (const bad of [
      'http://pypi.org/simple',
      'http://10.0.0.1/simple',
      'ftp://127.0.0.1/',
      'file:///etc/passwd',
      'not a url',
      'http://127.0.0.1.evil.com/',
    ]) {
      expect(codeOf(() => checkIndexUrl(bad))).toBe('INDEX_URL');
    }
  });

  it('never echoes credentials', () => {
    expect(redactUrl('https://user:s3cret@example.com/simple')).toBe('https://example.com/simple');
    expect(redactUrl('garbage://user:s3cret@/x')).not.toContain('s3cret');
    try {
      checkIndexUrl('http://user:s3cret@example.com/simple');
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('s3cret');
    }
  });

  it('encodes every path segment so nothing escapes it', () => {
    for (const value of ['/', '..', '.', '%2F', 'a b', 'ü', '../x', '?#']) {
      const seg = encodeSegment(value);
      expect(seg).not.toMatch(/[/?#]/);
      expect(seg).not.toMatch(/^\.+$/);
      expect(decodeURIComponent(seg)).toBe(value);
    }
  });

  it('builds Integrity API and Simple API URLs by the rules warehouse uses', () => {
    const q = { project: 'Foo.Bar_baz', version: '1.0.0', filename: 'Foo_Bar_baz-1.0.0.tar.gz', sha256: SHA_A, indexUrl: 'https://user:pw@pypi.org/simple' };
    expect(integrityUrl(q)).toBe('https://user:pw@pypi.org/integrity/foo-bar-baz/1.0.0/Foo_Bar_baz-1.0.0.tar.gz/provenance');
    expect(simplePageUrl('https://example.com/root/simple', 'Foo.Bar')).toBe('https://example.com/root/simple/foo-bar/');
    expect(simplePageUrl('https://example.com/simple/', 'x')).toBe('https://example.com/simple/x/');
  });

  it('resolves advertised provenance URLs: relative, same-origin credentials, no downgrade, no loopback', () => {
    const index = 'https://u:p@idx.example/simple';
    expect(resolveAdvertised('../../prov/x', 'https://idx.example/simple/demo/', index)).toBe('https://u:p@idx.example/prov/x');
    expect(resolveAdvertised('https://cdn.example/prov/x', 'https://idx.example/simple/demo/', index)).toBe('https://cdn.example/prov/x');
    for (const bad of ['http://idx.example/prov/x', 'https://127.0.0.1/x', 'https://localhost:8080/x', 'file:///etc/passwd', 'http://[']) {
      expect(
        codeOf(() => resolveAdvertised(bad, 'https://idx.example/simple/demo/', index)),
        bad,
      ).toBe('INDEX_URL');
    }
  });

  it('picks the Integrity API for PyPI hosts only, unless told', () => {
    expect(usesIntegrityApi('https://pypi.org/simple', 'auto')).toBe(true);
    expect(usesIntegrityApi('https://test.pypi.org/simple/', 'auto')).toBe(true);
    expect(usesIntegrityApi('https://pypi.example.com/simple', 'auto')).toBe(false);
    expect(usesIntegrityApi('https://example.com/simple', 'integrity')).toBe(true);
    expect(usesIntegrityApi('https://pypi.org/simple', 'simple')).toBe(false);
  });

  it('asks PyPI’s listing, not the exact-match Integrity API, when only a `name` spells the file', async () => {
    // A recording transport: the plan is what is under test, no answer is needed.
    const asked: string[] = [];
    const http = { get: async (url: string) => (asked.push(url), { status: 404, url, headers: {}, body: Buffer.from('{}') }) };
    const client = new ProvenanceClient(http, pLimit(1), { mode: 'auto' });
    const q = { project: 'markupsafe', version: '2.1.5', filename: 'markupsafe-2.1.5.tar.gz', sha256: SHA_A, indexUrl: 'https://pypi.org/simple' };
    await client.lookup(q);
    await client.lookup({ ...q, exactName: false });
    expect(asked).toEqual(['https://pypi.org/integrity/markupsafe/2.1.5/markupsafe-2.1.5.tar.gz/provenance', 'https://pypi.org/simple/markupsafe/']);
  });
});

// ---------------------------------------------------------------------------

describe('parseProvenance', () => {
  const parse = (value: unknown) => () => parseProvenance(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

  it('keeps the shape and drops nothing the verifier needs', () => {
    const original = provenanceFor('o/r');
    expect(parseProvenance(Buffer.from(JSON.stringify(original)))).toEqual(original);
  });

  const interop = join(INTEROP, 'provenance');
  it.skipIf(!existsSync(interop))(`parses the real provenance objects in ${interop}`, () => {
    const files = readdirSync(interop).filter((f) => f.endsWith('.provenance.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const body = readFileSync(join(interop, f));
      const parsed = parseProvenance(body);
      expect(parsed).toEqual(JSON.parse(body.toString('utf8')) as unknown);
    }
    // A bare attestation is not a provenance object.
    const bare = readFileSync(join(interop, 'rfc8785-0.1.2-py3-none-any.whl.staging.attestation.json'));
    expect(codeOf(() => parseProvenance(bare))).toBe('INDEX_BODY');
  });

  it('rejects bodies that are not provenance as INDEX_BODY', () => {
    const good = provenanceFor('o/r') as { attestation_bundles: Array<Record<string, unknown>> };
    const bundle = good.attestation_bundles[0]!;
    const att = (bundle['attestations'] as Array<Record<string, unknown>>)[0]!;
    const cases: unknown[] = [
      '',
      '{"version": 1, "attestation_bund',
      '<!DOCTYPE html><html></html>',
      'null',
      '[]',
      { version: 2, attestation_bundles: good.attestation_bundles },
      { version: '1', attestation_bundles: good.attestation_bundles },
      { version: 1 },
      { version: 1, attestation_bundles: [] },
      { version: 1, attestation_bundles: [{ ...bundle, publisher: { repository: 'o/r' } }] },
      { version: 1, attestation_bundles: [{ ...bundle, publisher: { kind: 7 } }] },
      { version: 1, attestation_bundles: [{ ...bundle, publisher: 'GitHub' }] },
      { version: 1, attestation_bundles: [{ ...bundle, attestations: [{ ...att, envelope: { statement: 42, signature: 'AA==' } }] }] },
      { version: 1, attestation_bundles: [{ ...bundle, attestations: [{ ...att, envelope: { statement: 'not base64!', signature: 'AA==' } }] }] },
      { version: 1, attestation_bundles: [{ ...bundle, attestations: [{ ...att, version: 2 }] }] },
      {
        version: 1,
        attestation_bundles: [{ ...bundle, attestations: [{ ...att, verification_material: { certificate: 'AA==', transparency_entries: 'x' } }] }],
      },
      { version: 1, attestation_bundles: Array.from({ length: 65 }, () => bundle) },
      { version: 1, attestation_bundles: [{ ...bundle, attestations: Array.from({ length: 65 }, () => att) }] },
      { version: 1, attestation_bundles: [{ ...bundle, attestations: [{ ...att, envelope: { statement: 'A'.repeat(300_000), signature: 'AA==' } }] }] },
      `{"version":1,"attestation_bundles":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    ];
    for (const c of cases) expect(codeOf(parse(c)), JSON.stringify(c).slice(0, 80)).toBe('INDEX_BODY');
    expect(codeOf(() => parseProvenance(Buffer.from([0x7b, 0xff, 0x7d])))).toBe('INDEX_BODY');
  });
});

describe('parseSimplePage', () => {
  const example = join(INTEROP, 'simple-api', 'spec-example-with-provenance.json');
  it.skipIf(!existsSync(example))('reads the PEP 691 spec example with a PEP 740 provenance key', () => {
    const files = parseSimplePage(readFileSync(example));
    expect(files.get('holygrail-1.0.tar.gz')?.provenance).toBeNull();
    expect(files.get('holygrail-1.0-py3-none-any.whl')?.provenance).toBe('https://example.com/files/holygrail-1.0-py3-none-any.whl.provenance');
    // Its "..." placeholder is no sha256.
    expect(files.get('holygrail-1.0.tar.gz')?.sha256).toBeUndefined();
  });

  it('refuses an unknown major API version and malformed entries', () => {
    const page = (v: unknown) => () => parseSimplePage(Buffer.from(JSON.stringify(v)));
    expect(codeOf(page({ meta: { 'api-version': '2.0' }, files: [] }))).toBe('INDEX_BODY');
    expect(codeOf(page({ files: [] }))).toBe('INDEX_BODY');
    expect(codeOf(page({ meta: { 'api-version': '1.1' }, files: [{ filename: 'x', provenance: 3 }] }))).toBe('INDEX_BODY');
    expect(codeOf(page({ meta: { 'api-version': '1.1' }, files: {} }))).toBe('INDEX_BODY');
  });
});

// ---------------------------------------------------------------------------

describe('Integrity API lookups', () => {
  it('finds provenance, with the Accept and User-Agent PyPI expects', async () => {
    const { client, query, index } = await setup(DEMO, 'integrity');
    const r = await client.lookup(query({ filename: 'demo-1.0.0.tar.gz' }));
    expect(r.status).toBe('found');
    expect(r.status === 'found' && r.provenance.attestation_bundles[0]!.publisher['repository']).toBe('o/demo');
    const req = index.requests[0]!;
    expect(req.path).toBe('/integrity/demo/1.0.0/demo-1.0.0.tar.gz/provenance');
    expect(req.headers['accept']).toBe('application/vnd.pypi.integrity.v1+json');
    expect(req.headers['user-agent']).toBe('pylock-attest/test');
    expect(client.requests).toBe(1);
  });

  it('sends the project normalized, the version as locked and the filename exactly', async () => {
    const { client, query, index } = await setup(DEMO, 'integrity');
    const r = await client.lookup(query({ project: 'DEMO', version: '1.0', filename: 'Demo-1.0.0-Upper.whl' }));
    expect(r.status).toBe('found');
    expect(index.requests[0]!.path).toBe('/integrity/demo/1.0/Demo-1.0.0-Upper.whl/provenance');
    const lower = await client.lookup(query({ filename: 'demo-1.0.0-upper.whl' }));
    expect(lower.status).toBe('none');
  });

  it('maps 404 to none, 403 to unavailable, and never throws', async () => {
    const { client, query, index } = await setup(DEMO, 'integrity');
    expect((await client.lookup(query({ filename: 'demo-1.0.0-py3-none-any.whl' }))).status).toBe('none');
    expect((await client.lookup(query({ filename: 'missing-1.0.0.tar.gz' }))).status).toBe('none');
    index.setFault(() => ({ status: 403, headers: { 'content-type': 'application/json' }, body: '{"message":"Attestations temporarily disabled"}' }));
    const r = await client.lookup(query({ filename: 'demo-1.0.0.tar.gz', version: '1.0.0.0' }));
    expect(r).toMatchObject({ status: 'unavailable', code: 'INDEX_UNAVAILABLE' });
    const bad = await client.lookup(query({ filename: 'x.tar.gz', indexUrl: 'http://example.com/simple' }));
    expect(bad).toMatchObject({ status: 'unavailable', code: 'INDEX_URL' });
  });

  it('treats a 200 that is not a provenance object as an index failure', async () => {
    const bodies: Array<[Record<string, string>, string, ErrorCode]> = [
      [{ 'content-type': 'text/html' }, '<html><body>Hello</body></html>', 'INDEX_BODY'],
      [{ 'content-type': 'application/vnd.pypi.integrity.v1+json' }, '{"version": 1, "attestation_bundles": [{"pub', 'INDEX_BODY'],
      [{ 'content-type': 'application/json' }, 'this is not json', 'INDEX_BODY'],
      [{ 'content-type': 'application/json' }, '{"version": 2, "attestation_bundles": []}', 'INDEX_BODY'],
      [{ 'content-type': 'text/plain' }, JSON.stringify(provenanceFor('o/r')), 'INDEX_BODY'],
    ];
    const { client, query, index } = await setup(DEMO, 'integrity');
    for (const [i, [headers, body, code]] of bodies.entries()) {
      index.setFault(() => ({ status: 200, headers, body }));
      const r = await client.lookup(query({ filename: `f${i}.tar.gz` }));
      expect(r).toMatchObject({ status: 'unavailable', code });
    }
  });

  it('gets 406 for an unacceptable Accept, as warehouse does', async () => {
    const index = await startFakeIndex({ files: DEMO });
    open.push(index);
    const res = await fetch(`${index.origin}/integrity/demo/1.0.0/demo-1.0.0.tar.gz/provenance`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(406);
    await res.arrayBuffer();
  });
});

// ---------------------------------------------------------------------------

describe('Simple API lookups', () => {
  it('finds provenance through the advertised URL: one page per project', async () => {
    const { client, query, index } = await setup(DEMO, 'simple');
    const found = await client.lookup(query({ filename: 'demo-1.0.0.tar.gz' }));
    const none = await client.lookup(query({ filename: 'demo-1.0.0-py3-none-any.whl', sha256: SHA_B }));
    expect(found.status).toBe('found');
    expect(none.status).toBe('none');
    expect(index.requests.map((r) => r.path)).toEqual(['/simple/demo/', '/provenance/demo/1.0.0/demo-1.0.0.tar.gz']);
    expect(index.requests[0]!.headers['accept']).toBe('application/vnd.pypi.simple.v1+json');
    expect(client.requests).toBe(2);
  });

  it('reports index-mismatch when the index lists another file or another digest', async () => {
    const { client, query } = await setup(DEMO, 'simple');
    const other = await client.lookup(query({ filename: 'demo-1.0.0.tar.gz', sha256: SHA_B }));
    expect(other).toMatchObject({ status: 'index-mismatch', indexSha256: SHA_A });
    expect((await client.lookup(query({ filename: 'demo-9.9.tar.gz' }))).status).toBe('index-mismatch');
    expect((await client.lookup(query({ project: 'nope', filename: 'nope-1.0.tar.gz' }))).status).toBe('index-mismatch');
  });

  it('matches another spelling of the same distribution, and never a different file', async () => {
    const files: FakeFile[] = [
      {
        project: 'MarkupSafe',
        version: '2.1.5',
        filename: 'MarkupSafe-2.1.5-cp311-cp311-win_amd64.whl',
        sha256: SHA_A,
        provenance: provenanceFor('pallets/markupsafe'),
      },
      { project: 'MarkupSafe', version: '2.1.5', filename: 'MarkupSafe-2.1.5.tar.gz', sha256: SHA_B, provenance: null },
    ];
    const { client, query } = await setup(files, 'simple');
    const q = (filename: string, sha256 = SHA_A) => client.lookup(query({ project: 'markupsafe', version: '2.1.5', filename, sha256, exactName: false }));
    expect((await q('markupsafe-2.1.5-cp311-cp311-win_amd64.whl')).status).toBe('found');
    expect((await q('markupsafe-2.1.05.0-CP311-cp311-win_amd64.whl')).status).toBe('found');
    expect((await q('markupsafe-2.1.5.tar.gz', SHA_B)).status).toBe('none');
    for (const other of [
      'markupsafe-2.1.5-cp312-cp312-win_amd64.whl',
      'markupsafe-2.1.6-cp311-cp311-win_amd64.whl',
      'markupsafe-2.1.5-1-cp311-cp311-win_amd64.whl',
      'markupsafe-2.1.5.zip',
      'markupsafe2-2.1.5-cp311-cp311-win_amd64.whl',
    ]) {
      expect(await q(other), other).toMatchObject({ status: 'index-mismatch', detail: 'the index does not list this file' });
    }
  });

  it('refuses to guess between two spellings the index lists for one distribution', async () => {
    const files: FakeFile[] = ['Demo-1.0.tar.gz', 'demo-1.0.0.tar.gz'].map((filename) => ({
      project: 'demo',
      version: '1.0',
      filename,
      sha256: SHA_A,
      provenance: null,
    }));
    const { client, query } = await setup(files, 'simple');
    expect(await client.lookup(query({ version: '1.0', filename: 'DEMO-1.0.tar.gz', exactName: false }))).toMatchObject({
      status: 'index-mismatch',
      detail: expect.stringContaining('2 spellings'),
    });
  });

  it('needs the JSON Simple API: HTML or another type is unavailable, not absence', async () => {
    const { client, query, index } = await setup(DEMO, 'simple');
    index.setFault(({ path }) =>
      path === '/simple/demo/' ? { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><a href="x">x</a></html>' } : undefined,
    );
    expect(await client.lookup(query({ filename: 'demo-1.0.0.tar.gz' }))).toMatchObject({ status: 'unavailable', code: 'INDEX_BODY' });
    const { client: c2, query: q2, index: i2 } = await setup(DEMO, 'simple');
    i2.setFault(({ path }) => (path === '/simple/demo/' ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' } : undefined));
    expect(await c2.lookup(q2({ filename: 'demo-1.0.0.tar.gz' }))).toMatchObject({ status: 'unavailable', code: 'INDEX_BODY' });
  });

  it('treats a 404 on an advertised provenance URL as unavailable', async () => {
    const { client, query, index } = await setup(DEMO, 'simple');
    index.setFault(({ path }) => (path.startsWith('/provenance/') ? { status: 404, body: '' } : undefined));
    expect(await client.lookup(query({ filename: 'demo-1.0.0.tar.gz' }))).toMatchObject({ status: 'unavailable', code: 'INDEX_HTTP' });
  });

  it('refuses an advertised provenance URL that downgrades or is not a URL we accept', async () => {
    const { client, query, index } = await setup(DEMO, 'simple');
    const page = {
      meta: { 'api-version': '1.1' },
      name: 'demo',
      files: [{ filename: 'demo-1.0.0.tar.gz', hashes: { sha256: SHA_A }, provenance: 'http://10.0.0.1/p' }],
    };
    index.setFault(() => ({ status: 200, headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' }, body: JSON.stringify(page) }));
    expect(await client.lookup(query({ filename: 'demo-1.0.0.tar.gz' }))).toMatchObject({ status: 'unavailable', code: 'INDEX_URL' });
    expect(index.requests).toHaveLength(1);
  });

  it('serves provenance with caching headers and answers If-None-Match with 304', async () => {
    const index = await startFakeIndex({ files: DEMO });
    open.push(index);
    const url = `${index.origin}/provenance/demo/1.0.0/demo-1.0.0.tar.gz`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('max-age=600');
    await first.arrayBuffer();
    const second = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(second.status).toBe(304);
    await second.arrayBuffer();
  });

  it.skipIf(!existsSync(join(INTEROP, 'provenance')))('round-trips a real provenance object through the index', async () => {
    const body = JSON.parse(readFileSync(join(INTEROP, 'provenance', 'pypi_attestations-0.0.19.tar.gz.provenance.json'), 'utf8')) as unknown;
    const sha = '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3';
    const files = [{ project: 'pypi-attestations', version: '0.0.19', filename: 'pypi_attestations-0.0.19.tar.gz', sha256: sha, provenance: body }];
    for (const mode of ['simple', 'integrity'] as const) {
      const { client, query } = await setup(files, mode);
      const r = await client.lookup(query({ project: 'pypi_attestations', version: '0.0.19', filename: 'pypi_attestations-0.0.19.tar.gz', sha256: sha }));
      expect(r.status === 'found' && r.provenance).toEqual(body);
    }
  });
});

// ---------------------------------------------------------------------------

describe('de-duplication and the limiter', () => {
  it('shares one promise between identical lookups, in flight and after', async () => {
    const { client, query, index } = await setup(DEMO, 'integrity', { latencyMs: 30 });
    const q = query({ filename: 'demo-1.0.0.tar.gz' });
    const results = await Promise.all(Array.from({ length: 20 }, () => client.lookup({ ...q })));
    expect(new Set(results).size).toBe(1);
    await client.lookup({ ...q, project: 'DEMO' });
    await client.lookup({ ...q, indexUrl: `${q.indexUrl}/` });
    expect(index.requests).toHaveLength(1);
    expect(client.requests).toBe(1);
  });

  it('fetches a project page once for all of its files', async () => {
    const { client, query, index } = await setup(DEMO, 'simple', { latencyMs: 20 });
    const qs = [
      query({ filename: 'demo-1.0.0.tar.gz' }),
      query({ filename: 'demo-1.0.0-py3-none-any.whl', sha256: SHA_B }),
      query({ filename: 'Demo-1.0.0-Upper.whl' }),
    ];
    const results = await Promise.all(qs.map((q) => client.lookup(q)));
    expect(results.map((r) => r.status)).toEqual(['found', 'none', 'found']);
    const pages = index.requests.filter((r) => r.path.startsWith('/simple/'));
    expect(pages).toHaveLength(1);
    expect(index.requests).toHaveLength(3); // 1 page + 2 attested files
  });

  it('shares one failing page between files and retries it only once', async () => {
    const { client, query, index } = await setup(DEMO, 'simple');
    index.setFault(() => ({ status: 503 }));
    const results = await Promise.all(DEMO.map((f) => client.lookup(query({ filename: f.filename, sha256: f.sha256 }))));
    for (const r of results) expect(r).toMatchObject({ status: 'unavailable', code: 'INDEX_HTTP' });
    expect(index.requests).toHaveLength(5); // 1 + 4 retries, for all three files together
  });

  it('sends every request through the one limiter', async () => {
    let active = 0;
    let peak = 0;
    const inner = pLimit(2);
    const limit: Limiter = (fn) =>
      inner(async () => {
        peak = Math.max(peak, ++active);
        try {
          return await fn();
        } finally {
          active--;
        }
      });
    const files = Array.from({ length: 12 }, (_, i) => ({
      project: `p${i}`,
      version: '1.0',
      filename: `p${i}-1.0.tar.gz`,
      sha256: SHA_A,
      provenance: provenanceFor('o/r'),
    }));
    const { client, query, index } = await setup(files, 'simple', { latencyMs: 10 }, limit);
    const results = await Promise.all(files.map((f) => client.lookup(query({ project: f.project, version: f.version, filename: f.filename }))));
    expect(results.every((r) => r.status === 'found')).toBe(true);
    expect(peak).toBe(2);
    expect(index.requests).toHaveLength(24);
  });
});

// ---------------------------------------------------------------------------

describe('hostile names stay inside the endpoint path', () => {
  const hostile = [
    'a/b-1.0.tar.gz',
    '..',
    '.',
    '%2F..%2Fadmin',
    '../../../etc/passwd',
    'has space-1.0.tar.gz',
    'ünïcødé-1.0.tar.gz',
    'q?x=1#frag',
    'back\\slash',
  ];

  it('in the Integrity API', async () => {
    const { client, query, index } = await setup(DEMO, 'integrity');
    for (const filename of hostile) {
      index.requests.length = 0;
      const r = await client.lookup(query({ filename, version: '..', project: '../x' }));
      expect(r.status).toBe('none');
      const parts = index.requests[0]!.path.split('/');
      expect(parts).toHaveLength(6);
      expect(parts.slice(0, 2)).toEqual(['', 'integrity']);
      expect(parts[5]).toBe('provenance');
      expect(parts.slice(2, 5).map((p) => decodeURIComponent(p))).toEqual(['-/x', '..', filename]);
    }
  });

  it('in the Simple API', async () => {
    const { client, query, index } = await setup(DEMO, 'simple');
    for (const project of ['..', '../admin', 'a/b', '%2F']) {
      index.requests.length = 0;
      await client.lookup(query({ project, filename: 'x.tar.gz' }));
      const parts = index.requests[0]!.path.split('/');
      expect(parts).toHaveLength(4);
      expect(parts.slice(0, 2)).toEqual(['', 'simple']);
      expect(decodeURIComponent(parts[2]!)).toBe(project.replace(/[-_.]+/g, '-').toLowerCase());
    }
  });
});

// ---------------------------------------------------------------------------

describe('credentials in an index URL', () => {
  it('go to the index as Basic auth and never into results or errors', async () => {
    const index = await startFakeIndex({ files: DEMO });
    const http = new HttpClient({ userAgent: 'pylock-attest/test', retryBaseMs: 1, retries: 1 });
    open.push(http, index);
    const client = new ProvenanceClient(http, pLimit(4), { mode: 'simple' });
    const indexUrl = index.simpleUrl.replace('http://', 'http://alice:s3cr%40t@');
    const r = await client.lookup({ project: 'demo', version: '1.0.0', filename: 'demo-1.0.0.tar.gz', sha256: SHA_A, indexUrl });
    expect(r.status).toBe('found');
    const expected = `Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`;
    expect(index.requests.map((q) => q.headers['authorization'])).toEqual([expected, expected]);
    expect(JSON.stringify(r)).not.toContain('s3cr');

    index.setFault(() => ({ status: 500 }));
    const failed = await client.lookup({ project: 'other', version: '1', filename: 'other-1.tar.gz', sha256: SHA_A, indexUrl });
    expect(failed).toMatchObject({ status: 'unavailable', code: 'INDEX_HTTP' });
    expect(JSON.stringify(failed)).not.toContain('s3cr');
    expect(JSON.stringify(failed)).not.toContain('alice');
    await expect(http.get(indexUrl, 'application/json')).rejects.toSatisfy((e: Error) => !e.message.includes('s3cr') && !e.message.includes('alice'));
  });

  it('are not sent to another origin the index points at', async () => {
    const other = await startFakeIndex({ files: DEMO });
    const index = await startFakeIndex({ files: [] });
    const http = new HttpClient({ userAgent: 'pylock-attest/test' });
    open.push(http, index, other);
    const page = {
      meta: { 'api-version': '1.1' },
      files: [{ filename: 'demo-1.0.0.tar.gz', hashes: { sha256: SHA_A }, provenance: `${other.origin}/provenance/demo/1.0.0/demo-1.0.0.tar.gz` }],
    };
    index.setFault(() => ({ status: 200, headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' }, body: JSON.stringify(page) }));
    const client = new ProvenanceClient(http, pLimit(4), { mode: 'simple' });
    const indexUrl = index.simpleUrl.replace('http://', 'http://alice:secret@');
    const r = await client.lookup({ project: 'demo', version: '1.0.0', filename: 'demo-1.0.0.tar.gz', sha256: SHA_A, indexUrl });
    expect(r.status).toBe('found');
    expect(index.requests[0]!.headers['authorization']).toBeDefined();
    expect(other.requests[0]!.headers['authorization']).toBeUndefined();
  });
});

let shared: FakeIndex | undefined;
beforeAll(async () => {
  shared = await startFakeIndex({ files: DEMO, latencyMs: 1 });
});
afterAll(async () => {
  await shared?.close();
});

describe('the fake index', () => {
  it('survives many parallel clients', async () => {
    const http = new HttpClient({ userAgent: 'pylock-attest/test', connections: 64 });
    open.push(http);
    const limit = pLimit(64);
    const client = new ProvenanceClient(http, limit, { mode: 'integrity' });
    const results: LookupResult[] = [];
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < 500; i++) {
      pending.push(
        client
          .lookup({
            project: 'demo',
            version: `1.0.0${'.0'.repeat(i % 3)}`,
            filename: i % 2 === 0 ? 'demo-1.0.0.tar.gz' : `x${i}.whl`,
            sha256: SHA_A,
            indexUrl: shared!.simpleUrl,
          })
          .then((r) => void results.push(r)),
      );
    }
    await Promise.all(pending);
    expect(results.filter((r) => r.status === 'unavailable')).toEqual([]);
    expect(results.filter((r) => r.status === 'found')).toHaveLength(250);
  });
});
