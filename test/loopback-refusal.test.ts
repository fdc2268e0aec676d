/**
 * A name that resolves to this machine, chosen by the user, through the
 * built CLI: `--allow-index-host localhost` lets a loopback index advertise
 * its documents under `localhost`, and the run verifies. Every refusal (each
 * spelling of this machine a remote index may advertise, and a name nobody
 * chose that resolves here) is a case of the adversarial suite
 * (test/adversarial/cases-environment.ts); the classifiers' unit tests are
 * test/urls.test.ts and test/address-guard.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDIST, startFaultLab, WHEEL, type FaultLab } from './support/fault-lab.ts';

const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';

/** The demo package's page with its provenance on `origin` (the fault lab serves it at this path). */
function demoPage(origin: string) {
  const files = [SDIST, WHEEL].map((f) => ({ filename: f.filename, hashes: { sha256: f.sha256 }, provenance: `${origin}/provenance/demo/1.0/${f.filename}` }));
  return { status: 200, headers: { 'content-type': SIMPLE_JSON }, body: JSON.stringify({ meta: { 'api-version': '1.1' }, files }) };
}

describe('a name that resolves to this machine', () => {
  let lab: FaultLab;
  beforeAll(async () => {
    lab = await startFaultLab();
    // The loopback index (chosen by the user as 127.0.0.1) advertises its documents under the name `localhost`.
    lab.index.setFault(({ path }) => (path === '/simple/demo/' ? demoPage(lab.index.origin.replace('127.0.0.1', 'localhost')) : undefined));
  });
  afterAll(() => lab?.close());

  it('--allow-index-host localhost: the user chose it, the run verifies', async () => {
    const path = lab.lockfile('resolves-here-allowed.toml');
    const run = await lab.enrich(path, ['--index-url', lab.index.simpleUrl, '--allow-index-host', 'localhost']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.lockfiles[0].packages[0].files.map((f: any) => f.status)).toEqual(['verified', 'verified']);
  });
});
