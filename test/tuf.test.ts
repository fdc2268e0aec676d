/**
 * The TUF refresh of the Sigstore trusted root (verify/tuf-refresh.ts):
 * - against a TUF repository on loopback (test/support/fake-tuf.ts): the
 *   chain from the seeded root, one rotation, the target checked against
 *   the signed hashes; tampered targets and foreign keys refused;
 * - bounded: a mirror that never answers fails at the per-request timeout;
 *   an HTTPS proxy that accepts and never answers ends at the run's
 *   deadline, and the run goes on with the embedded root (RunContext; the
 *   built CLI, which says why on stderr, is a case of the adversarial suite,
 *   test/adversarial/cases-environment.ts). Bounds are checked by events
 *   (what the proxy saw, what the run reported), never by wall time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunContext } from '../src/app/run-context.js';
import { isPylockAttestError } from '../src/errors.js';
import { makeScratchDir } from '../src/io/scratch-dir.js';
import { HttpClient } from '../src/net/http.js';
import { embeddedSeed, refreshTrustedRoot } from '../src/verify/tuf-refresh.js';
import { startFakeTuf } from './support/fake-tuf.ts';
import { tempDir } from './support/workspace.ts';

for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name];

const TARGET = Buffer.from(JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', note: 'a target, as TUF publishes it' }));
const http = (timeoutMs = 5_000): HttpClient => new HttpClient({ userAgent: 'pylock-attest/test', retries: 0, timeoutMs });

/** A scratch directory seeded with `root`, as RunContext makes one. */
async function refreshFrom(mirror: string, root: Buffer, client = http()): Promise<{ bytes?: Buffer; error?: unknown; rootAfter: unknown }> {
  const scratch = makeScratchDir('pylock-attest-tuf-test-', { 'root.json': root });
  try {
    const bytes = await refreshTrustedRoot(client, scratch.dir, { mirror });
    return { bytes, rootAfter: JSON.parse(readFileSync(join(scratch.dir, 'root.json'), 'utf8')) };
  } catch (error) {
    return { error, rootAfter: undefined };
  } finally {
    scratch.remove();
    await client.close();
  }
}

describe('refreshTrustedRoot against a TUF repository', () => {
  it('walks the rotation from the seeded root and returns the target whose hashes the signed metadata states', async () => {
    const tuf = await startFakeTuf({ target: TARGET });
    try {
      const { bytes, error, rootAfter } = await refreshFrom(tuf.mirror, tuf.rootV1);
      expect(error).toBeUndefined();
      expect(bytes!.equals(TARGET)).toBe(true);
      const digest = createHash('sha256').update(TARGET).digest('hex');
      expect(tuf.requests).toEqual([
        '/2.root.json',
        '/3.root.json',
        '/timestamp.json',
        '/1.snapshot.json',
        '/1.targets.json',
        `/targets/${digest}.trusted_root.json`,
      ]);
      expect(rootAfter).toMatchObject({ signed: { version: 2 } }); // persisted in the scratch directory only
    } finally {
      await tuf.close();
    }
  });

  it('refuses a target that differs from what the signed targets metadata describes', async () => {
    const tuf = await startFakeTuf({ target: TARGET, tamperTarget: true });
    try {
      expect((await refreshFrom(tuf.mirror, tuf.rootV1)).error).toBeInstanceOf(Error);
    } finally {
      await tuf.close();
    }
  });

  it('refuses metadata signed by a key the seeded root does not list', async () => {
    const tuf = await startFakeTuf({ target: TARGET, wrongKey: true });
    try {
      const { error } = await refreshFrom(tuf.mirror, tuf.rootV1);
      expect(error).toBeInstanceOf(Error);
      expect(tuf.requests.some((p) => p.includes('trusted_root.json'))).toBe(false);
    } finally {
      await tuf.close();
    }
  });

  it('the production seed is what RunContext starts from: the embedded TUF root and trusted root parse', async () => {
    const seed = await embeddedSeed();
    expect(JSON.parse(seed.tufRoot.toString())).toMatchObject({ signed: { _type: 'root' } });
    expect(JSON.parse(seed.trustedRoot.toString())).toMatchObject({ mediaType: expect.stringMatching(/trustedroot/) });
  });
});

/** A TCP server that accepts every connection, reads, and never writes (a stuck mirror or proxy). */
async function silentServer(): Promise<{ url: string; firstLines: string[]; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const firstLines: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', (d) => firstLines.push(d.toString('latin1').split('\r\n')[0]!));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    firstLines,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

describe('a TUF refresh is bounded', () => {
  const silent: Array<Awaited<ReturnType<typeof silentServer>>> = [];
  afterEach(async () => {
    delete process.env['HTTPS_PROXY'];
    while (silent.length > 0) await silent.pop()!.close();
  });

  it('each request within the per-request timeout: a mirror that accepts and never answers', async () => {
    const mirror = await silentServer();
    silent.push(mirror);
    const { error } = await refreshFrom(mirror.url, (await embeddedSeed()).tufRoot, http(300));
    expect(isPylockAttestError(error) && error.code).toBe('INDEX_TIMEOUT');
    expect(mirror.firstLines).toEqual([expect.stringMatching(/^GET \/\d+\.root\.json HTTP\/1\.1$/)]);
  });

  it('within the run deadline, through an HTTPS proxy that accepts and never answers; the run goes on with the embedded root', async () => {
    const proxy = await silentServer();
    silent.push(proxy);
    process.env['HTTPS_PROXY'] = proxy.url;
    const warnings: string[] = [];
    const ws = tempDir();
    // A long per-request timeout: only the deadline can end the stuck CONNECT here.
    const ctx = new RunContext({ deadlineMs: 1_000, timeoutMs: 120_000 }, { cacheDir: ws.dir, cache: false, onWarning: (m) => warnings.push(m) });
    try {
      await ctx.verifier();
      expect(ctx.trust?.source).toBe('embedded');
      expect(ctx.trust?.fallbackReason).toMatch(/^TUF refresh failed: .*deadline/);
      // The warning waits for the root's first use: a run that verifies nothing does not repeat its network cause.
      expect(warnings).toEqual([]);
      expect(proxy.firstLines).toEqual(['CONNECT tuf-repo-cdn.sigstore.dev:443 HTTP/1.1']);
    } finally {
      await ctx.close();
      ws.cleanup();
    }
  });
});
