import { identityFromPublisher } from '../core/identity.js';
import type { LockedFile, LockedPackage } from '../core/lockfile.js';
import type { FileOutcome } from '../core/outcome.js';
import type { Identity, Provenance } from '../core/types.js';
import type { RunContext } from './run-context.js';

/**
 * One locked file: fetch its provenance and verify every attestation in it.
 * Results are data; nothing here throws for a per-file problem.
 */
export async function evaluateFile(ctx: RunContext, pkg: LockedPackage, file: LockedFile, indexUrl: string, verify: boolean): Promise<FileOutcome> {
  const base = { filename: file.filename, sha256: file.sha256 };
  const result = await ctx.lookup({ project: pkg.project, version: pkg.version ?? '', filename: file.filename, sha256: file.sha256, indexUrl });
  switch (result.status) {
    case 'none':
      return { ...base, status: 'no-provenance', identities: [], detail: result.detail, source: result.url };
    case 'unavailable':
      return { ...base, status: 'unavailable', identities: [], detail: result.detail, source: result.url };
    case 'index-mismatch':
      return { ...base, status: 'index-mismatch', identities: [], detail: result.detail, source: result.url };
    case 'found': {
      const outcome = await checkProvenance(ctx, result.provenance, file, verify);
      return { ...base, ...outcome, source: result.url };
    }
  }
}

type Checked = Pick<FileOutcome, 'status' | 'identities' | 'detail'>;

async function checkProvenance(ctx: RunContext, provenance: Provenance, file: LockedFile, verify: boolean): Promise<Checked> {
  if (provenance.attestation_bundles.length === 0) return invalid('provenance holds no attestation bundles');
  const identities: Identity[] = [];
  for (const bundle of provenance.attestation_bundles) {
    const mapped = identityFromPublisher(bundle.publisher);
    if (!mapped.ok) return invalid(`publisher: ${mapped.reason}`);
    if (bundle.attestations.length === 0) return invalid('an attestation bundle holds no attestations');
    if (verify) {
      const failure = await verifyBundle(ctx, bundle.attestations, mapped.identity, file);
      if (failure !== undefined) return invalid(failure);
    }
    identities.push(mapped.identity);
  }
  return { status: verify ? 'verified' : 'unverified', identities };
}

async function verifyBundle(ctx: RunContext, attestations: Provenance['attestation_bundles'][number]['attestations'], identity: Identity, file: LockedFile): Promise<string | undefined> {
  const verifier = await ctx.verifier();
  for (const [i, attestation] of attestations.entries()) {
    const verdict = await verifier.verify(attestation, identity, { filename: file.filename, sha256: file.sha256 });
    if (!verdict.ok) return `attestation ${i + 1}: ${verdict.stage}: ${verdict.reason}`;
  }
  return undefined;
}

function invalid(detail: string): Checked {
  return { status: 'invalid', identities: [], detail };
}
