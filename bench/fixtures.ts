/**
 * Provenance that really verifies, for every file of the synthetic
 * lockfiles, and the trusted root it verifies against.
 *
 * Minting costs ~14 ms per attestation with a fresh certificate each, so
 * 20,000 would take minutes. Two legitimate speed-ups:
 * - one certificate per package (mint.ts `mintBatch`): one "release build"
 *   signs its 20 files with one key; each attestation still has its own
 *   statement, signature and Rekor entry, and verifies on its own in full
 *   (the verifier shares no work between attestations): ~1.3 ms each;
 * - minted once, kept under bench/.work/ (gitignored), keyed by the
 *   generator's parameters and the minting code, so later runs load them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createMockSigstore } from '../test/support/mint.ts';
import { GENERATOR_VERSION, type GeneratedPackage } from './generate.ts';

export interface Fixtures {
  trustedRoot: unknown;
  /** Provenance object per filename. */
  provenance: Record<string, unknown>;
  mintedMs?: number;
}

const HERE = path.dirname(new URL(import.meta.url).pathname);
export const WORK = path.join(HERE, '.work');

function fixtureKey(list: GeneratedPackage[]): string {
  const mintCode = readFileSync(path.join(HERE, '../test/support/mint.ts'));
  const h = createHash('sha256').update(String(GENERATOR_VERSION)).update(mintCode);
  for (const p of list) h.update(`${p.name} ${p.version} ${p.publisher.repository} ${p.files.length}\n`);
  return h.digest('hex').slice(0, 16);
}

export async function loadOrMintFixtures(list: GeneratedPackage[], log: (s: string) => void): Promise<Fixtures> {
  const file = path.join(WORK, `fixtures-${fixtureKey(list)}.json`);
  if (existsSync(file)) {
    log(`fixtures: loading ${path.relative(process.cwd(), file)}`);
    return JSON.parse(readFileSync(file, 'utf8')) as Fixtures;
  }
  const files = list.reduce((n, p) => n + p.files.length, 0);
  log(`fixtures: minting ${files} attestations (one certificate per package; cached for later runs)…`);
  const started = performance.now();
  const sigstore = await createMockSigstore();
  const provenance: Record<string, unknown> = {};
  for (const p of list) {
    const minted = await sigstore.mintBatch({ publisher: p.publisher, files: p.files });
    p.files.forEach((f, i) => {
      provenance[f.filename] = { version: 1, attestation_bundles: [{ publisher: { ...p.publisher, environment: 'pypi' }, attestations: [minted[i]] }] };
    });
  }
  const fixtures: Fixtures = { trustedRoot: sigstore.trustedRoot, provenance, mintedMs: performance.now() - started };
  mkdirSync(WORK, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(fixtures));
  renameSync(`${file}.tmp`, file);
  log(`fixtures: minted in ${(fixtures.mintedMs! / 1000).toFixed(1)} s (${(fixtures.mintedMs! / files).toFixed(2)} ms per attestation)`);
  return fixtures;
}
