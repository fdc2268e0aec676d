/**
 * Faults below HTTP: resets, a server that accepts and never answers, a slow
 * drip, a host that does not resolve, and a TLS certificate nobody vouches
 * for; through the built CLI (each fault once) and enrich() (variants, marked).
 * Every one ends in bounded time (--timeout, --deadline), exit 3, and a
 * byte-identical lockfile.
 *
 * A deadline here is seconds after the first attempt, never a race with it:
 * a loaded machine can take a second to start the run, and a test must not
 * depend on how much of a short deadline is left for the fault itself.
 * (A stalled proxy: proxy-stall.test.ts; through the CLI, the adversarial
 * suite's test/adversarial/cases-environment.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hits, startFaultLab, type FaultLab } from '../support/fault-lab.ts';
import { makeLoopbackCert, OPENSSL_MISSING } from '../support/tls-cert.ts';
import { expectCouldNotComplete, expectRecovered, libraryRun } from './fault-checks.ts';

const OK = undefined;

describe('connection faults, through the CLI', () => {
  let lab: FaultLab;
  let args: string[];
  beforeAll(async () => {
    lab = await startFaultLab();
    args = ['--index-url', lab.index.simpleUrl];
  });
  afterAll(() => lab?.close());
  beforeEach(() => {
    lab.index.setFault(undefined);
    lab.index.requests.length = 0;
  });

  it('a reset before any response, once: retried, the run completes [enrich()]', async () => {
    lab.index.setFault(({ path, attempt }) => (path.startsWith('/simple/') && attempt === 1 ? { kind: 'reset' } : OK));
    const path = lab.lockfile('reset-once.toml');
    expectRecovered(await libraryRun(lab, path), path);
    expect(hits(lab.index, '/simple/')).toBe(2);
  });

  it('a reset mid-body, once: retried, the run completes [enrich()]', async () => {
    lab.index.setFault(({ path, attempt }) =>
      path.endsWith('.whl') && attempt === 1 ? { kind: 'reset', partialBody: '{"version": 1, "attestation_bun' } : OK,
    );
    const path = lab.lockfile('reset-mid-body-once.toml');
    expectRecovered(await libraryRun(lab, path), path);
  });

  it('a reset mid-body every time: bounded retries, exit 3, file untouched', async () => {
    lab.index.setFault(({ path }) => (path.startsWith('/provenance/') ? { kind: 'reset', partialBody: '{"version": 1, "attestation_bun' } : OK));
    const path = lab.lockfile('reset-mid-body.toml');
    const run = await lab.enrich(path, [...args, '--deadline', '3']);
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT', 'INDEX_BODY']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/truncated/);
    expect(hits(lab.index, '/provenance/')).toBeGreaterThanOrEqual(2);
    expect(hits(lab.index, '/provenance/')).toBeLessThanOrEqual(2 * 5);
  });

  it('a reset before any response every time: exit 3, file untouched [enrich()]', async () => {
    lab.index.setFault(() => ({ kind: 'reset' }));
    const path = lab.lockfile('reset.toml');
    expectCouldNotComplete(await libraryRun(lab, path, { deadlineMs: 3_000 }), path, ['INDEX_TIMEOUT', 'INDEX_NETWORK']);
    expect(hits(lab.index, '/simple/')).toBeGreaterThanOrEqual(1);
    expect(hits(lab.index, '/simple/')).toBeLessThanOrEqual(5);
  });

  it('a server that accepts and never answers: --timeout ends it, not retried, exit 3', async () => {
    lab.index.setFault(() => ({ kind: 'hang' }));
    const path = lab.lockfile('hang.toml');
    const run = await lab.enrich(path, [...args, '--timeout', '0.5']);
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT']);
    expect(hits(lab.index, '/simple/')).toBe(1);
  });

  it('a server that never answers, with a long --timeout: --deadline ends the whole run [enrich()]', async () => {
    lab.index.setFault(() => ({ kind: 'hang' }));
    const path = lab.lockfile('hang-deadline.toml');
    const run = await libraryRun(lab, path, { timeoutMs: 60_000, deadlineMs: 3_000 });
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/run deadline reached/);
    expect(hits(lab.index, '/simple/')).toBe(1);
  });

  it('a slow drip of bytes: the per-request deadline covers the body, exit 3', async () => {
    lab.index.setFault(({ path }) =>
      path.startsWith('/provenance/') ? { kind: 'drip', intervalMs: 50, body: '{"version": 1, "attestation_bundles": []}'.repeat(10) } : OK,
    );
    const path = lab.lockfile('drip.toml');
    const run = await lab.enrich(path, [...args, '--timeout', '0.5']);
    expectCouldNotComplete(run, path, ['INDEX_TIMEOUT']);
  });

  it('a host that does not resolve (.invalid): exit 3 within the deadline, file untouched', async () => {
    const path = lab.lockfile('dns.toml');
    // `.invalid` never resolves (RFC 6761): the resolver fails locally or at the first upstream.
    const run = await lab.enrich(path, ['--index-url', 'https://pylock-attest-test.invalid/simple', '--deadline', '3']);
    expectCouldNotComplete(run, path, ['INDEX_NETWORK', 'INDEX_TIMEOUT']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/DNS|deadline|getaddrinfo|ENOTFOUND|EAI_AGAIN/);
  });

  it('a port nobody listens on: exit 3 [enrich()]', async () => {
    const path = lab.lockfile('refused.toml');
    const run = await libraryRun(lab, path, { indexUrl: 'http://127.0.0.1:9/simple', provenanceSource: 'integrity', deadlineMs: 2_000 });
    expectCouldNotComplete(run, path, ['INDEX_NETWORK', 'INDEX_TIMEOUT']);
  });
});

const cert = makeLoopbackCert();
afterAll(() => cert?.cleanup());

describe.skipIf(cert === undefined)(`TLS, through the CLI${cert === undefined ? ` (${OPENSSL_MISSING})` : ''}`, () => {
  let lab: FaultLab;
  beforeAll(async () => {
    lab = await startFaultLab({ tls: { key: cert!.key, cert: cert!.cert } });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('a self-signed certificate is refused: not retried, exit 3, the hint names NODE_EXTRA_CA_CERTS', async () => {
    const path = lab.lockfile('tls-untrusted.toml');
    lab.index.requests.length = 0;
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl]);
    expectCouldNotComplete(run, path, ['INDEX_NETWORK']);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toMatch(/TLS failure/);
    expect(run.report.lockfiles[0].packages[0].files[0].detail).toContain('NODE_EXTRA_CA_CERTS');
    expect(lab.index.requests).toHaveLength(0); // the handshake failed: no request reached the index
  });

  it('the same index with its CA in NODE_EXTRA_CA_CERTS verifies and writes', async () => {
    const path = lab.lockfile('tls-trusted.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl], { env: { NODE_EXTRA_CA_CERTS: cert!.certFile } });
    expectRecovered(run, path);
  });
});
