/**
 * Credentials in an index URL (`https://user:token@index/simple`, the way
 * pip and uv users write private indexes) go to that index as Basic auth and
 * nowhere else: not to stdout or stderr, not into the JSON report, not into
 * the cache on disk, whatever goes wrong. Through the built CLI.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFaultLab, type FaultLab, type LabRun } from './support/fault-lab.ts';

const USER = 'alice-the-user';
const SECRET = 's3cr3t@token/with:odd%chars';
const USERINFO = `${encodeURIComponent(USER)}:${encodeURIComponent(SECRET)}`;
const LEAKS = [USER, SECRET, encodeURIComponent(SECRET), USERINFO, Buffer.from(`${USER}:${SECRET}`).toString('base64')];

function expectNoLeak(run: LabRun, cacheDir?: string): void {
  const shown = run.stdout + run.stderr;
  for (const leak of LEAKS) expect(shown).not.toContain(leak);
  if (cacheDir !== undefined) {
    for (const file of filesUnder(cacheDir)) {
      const bytes = readFileSync(file, 'latin1');
      for (const leak of LEAKS) expect(bytes, file).not.toContain(leak);
    }
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('credentials in an index URL are never shown or stored', () => {
  let lab: FaultLab;
  let indexUrl: string;
  beforeAll(async () => {
    lab = await startFaultLab();
    indexUrl = lab.index.simpleUrl.replace('http://', `http://${USERINFO}@`);
  });
  afterAll(() => lab?.close());
  beforeEach(() => {
    lab.index.setFault(undefined);
    lab.index.requests.length = 0;
  });

  it('a successful run: Basic auth to the index, nothing in the output (text or JSON) or the cache', async () => {
    const cacheDir = mkdtempSync(join(lab.dir, 'creds-cache-'));
    for (const format of ['json', 'text']) {
      const path = lab.lockfile(`creds-ok-${format}.toml`);
      const run = await lab.enrich(path, ['--index-url', indexUrl, '--format', format], { env: { XDG_CACHE_HOME: cacheDir } });
      expect(run.code).toBe(0);
      expectNoLeak(run, cacheDir);
    }
    const expected = `Basic ${Buffer.from(`${USER}:${SECRET}`).toString('base64')}`;
    expect(lab.index.requests.length).toBeGreaterThan(0);
    for (const r of lab.index.requests) expect(r.headers['authorization']).toBe(expected);
  });

  // [name, arrange, extra args, exit code, formats]: JSON carries the most (source URLs, details); text is what a person sees.
  const FAILURES: Array<[string, () => void, string[], number, string[]]> = [
    ['503 until the retries run out', () => lab.index.setFault(() => ({ status: 503, headers: { 'retry-after': '0' } })), [], 3, ['json', 'text']],
    ['a server that never answers', () => lab.index.setFault(() => ({ kind: 'hang' })), ['--timeout', '0.5'], 3, ['json']],
    ['a 401', () => lab.index.setFault(() => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="index"' } })), [], 3, ['json']],
    ['a 404 for the project page', () => lab.index.setFault(() => ({ status: 404, body: '{"message": "Not Found"}' })), [], 1, ['json']],
    ['a truncated body', () => lab.index.setFault(() => ({ kind: 'reset', partialBody: '{"meta": ' })), ['--deadline', '3'], 3, ['json']],
    ['a redirect loop', () => lab.index.setFault(({ path }) => ({ kind: 'redirect', location: `${path.split('?')[0]}?again` })), [], 3, ['json']],
  ];
  for (const [name, arrange, extra, code, formats] of FAILURES) {
    it(`${name}: the failure is reported (exit ${code}), the credentials are not`, async () => {
      arrange();
      for (const format of formats) {
        const path = lab.lockfile(`creds-${name.replace(/\W+/g, '-')}-${format}.toml`);
        const run = await lab.enrich(path, ['--index-url', indexUrl, '--format', format, ...extra]);
        expect(run.code, run.stderr).toBe(code);
        expectNoLeak(run);
      }
    });
  }

  it('an index that does not resolve, an insecure one, and one that is not a URL: reported, no credentials', async () => {
    const path = lab.lockfile('creds-bad-urls.toml');
    const cases: Array<[string, number]> = [
      [`https://${USERINFO}@pylock-attest-test.invalid/simple`, 3],
      [`http://${USERINFO}@pypi.example/simple`, 2],
      [`https://${USERINFO}@[not-a-host/simple`, 2],
    ];
    for (const [url, code] of cases) {
      const run = await lab.enrich(path, ['--index-url', url, '--format', 'text', '--deadline', '3']);
      expect(run.code, `${url}: ${run.stderr}`).toBe(code);
      expectNoLeak(run);
    }
  });
});
