/**
 * The bench for fault tests: a fake index serving one package (an sdist and
 * a wheel, each with a minted attestation that really verifies), a trusted
 * root for it, fresh lockfile copies, and a CLI runner that returns the
 * parsed JSON report.
 *
 * Plain node can run this (erasable TypeScript, no imports from src).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { startFakeIndex, type FakeIndex, type FakeIndexOptions } from './fake-index.ts';
import { createMockSigstore } from './mint.ts';
import { runCli, type CliRun, type CliRunOptions } from './run-cli.ts';
import { tempDir } from './workspace.ts';

export const SDIST = { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', sha256: 'ab'.repeat(32) };
export const WHEEL = { project: 'demo', version: '1.0', filename: 'demo-1.0-py3-none-any.whl', sha256: 'cd'.repeat(32) };
export const PUBLISHER = { kind: 'GitHub' as const, repository: 'acme/demo', workflow: 'release.yml' };
export const IDENTITY = { kind: 'GitHub', repository: 'acme/demo', workflow: 'release.yml' };

export const LOCK = [
  '# a lockfile under fire',
  'lock-version = "1.0"',
  'created-by = "fault-lab"',
  '',
  '[[packages]]',
  'name = "demo"',
  'version = "1.0"',
  `sdist = { url = "https://files.example/${SDIST.filename}", hashes = { sha256 = "${SDIST.sha256}" } }`,
  `wheels = [{ url = "https://files.example/${WHEEL.filename}", hashes = { sha256 = "${WHEEL.sha256}" } }]`,
  '',
].join('\n');

export interface LabRun extends CliRun {
  /** The parsed `--format json` report, when stdout held one. */
  report: any;
}

export interface FaultLab {
  index: FakeIndex;
  /** The mock Sigstore trusted_root.json, as a file. */
  root: string;
  dir: string;
  /** A fresh copy of LOCK under `name`. */
  lockfile(name: string): string;
  /** `enrich <path> --trusted-root … --format json` plus `args`, with a cold cache of its own. */
  enrich(path: string, args: string[], opts?: CliRunOptions): Promise<LabRun>;
  close(): Promise<void>;
}

export async function startFaultLab(indexOptions: Omit<FakeIndexOptions, 'files'> = {}): Promise<FaultLab> {
  const ws = tempDir('pylock-attest-faults-');
  const sigstore = await createMockSigstore();
  const root = ws.file('trusted_root.json', JSON.stringify(sigstore.trustedRoot));
  const files = [];
  for (const f of [SDIST, WHEEL]) {
    const attestation = await sigstore.mint({ filename: f.filename, sha256: f.sha256, publisher: PUBLISHER });
    files.push({ ...f, provenance: { version: 1, attestation_bundles: [{ publisher: { ...PUBLISHER, environment: null }, attestations: [attestation] }] } });
  }
  const index = await startFakeIndex({ ...indexOptions, files });
  let runs = 0;
  return {
    index,
    root,
    dir: ws.dir,
    lockfile: (name) => ws.file(name, LOCK),
    async enrich(path, args, opts) {
      // Every run starts cold: a cached answer from an earlier run must not hide the fault under test.
      const env = { XDG_CACHE_HOME: join(ws.dir, `cache-${++runs}`), ...opts?.env };
      const run = await runCli(['enrich', path, '--trusted-root', root, '--format', 'json', ...args], { ...opts, env });
      let report: unknown;
      try {
        report = JSON.parse(run.stdout);
      } catch {
        report = undefined;
      }
      return { ...run, report };
    },
    async close() {
      await index.close();
      ws.cleanup();
    },
  };
}

/** The identities written for `demo`, read back with an independent parser. */
export function identitiesIn(path: string): unknown {
  const data = parse(readFileSync(path, 'utf8')) as { packages: Array<Record<string, unknown>> };
  return data.packages[0]?.['attestation-identities'];
}

/** Files our writes would leave behind in `dir` (temp files); empty when all is clean. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.pylock-attest-') && n.endsWith('.tmp'));
}

/** Requests the index received for paths starting with `prefix`. */
export function hits(index: FakeIndex, prefix: string): number {
  return index.requests.filter((r) => r.path.startsWith(prefix)).length;
}
