import { identityFromPublisher } from '../core/identity.js';
import type { LockedFile, LockedPackage } from '../core/lockfile.js';
import type { FileOutcome } from '../core/outcome.js';
import type { Identity, Provenance } from '../core/types.js';
import type { FileQuery } from '../net/provenance-client.js';
import type { RunContext } from './run-context.js';

/**
 * One locked file: fetch its provenance and verify every attestation in it.
 * Results are data; nothing here throws for a per-file problem.
 */
export function evaluateFile(ctx: RunContext, pkg: LockedPackage, file: LockedFile, indexUrl: string, verify: boolean): Promise<FileOutcome> {
  return ctx.inWindow(() => evaluateNow(ctx, pkg, file, indexUrl, verify));
}

/** A kept outcome while the answers behind it are fresh (app/outcome-cache.ts), else the work. */
async function evaluateNow(ctx: RunContext, pkg: LockedPackage, file: LockedFile, indexUrl: string, verify: boolean): Promise<FileOutcome> {
  // Ask for the spelling the index lists; with only a `name` (maybe normalized), let the listing decide.
  const query: FileQuery = { indexUrl, project: pkg.project, version: pkg.version ?? '', filename: file.urlName ?? file.filename, sha256: file.sha256 };
  if (file.urlName === undefined) query.exactName = false;
  const outcomes = await ctx.outcomes(verify);
  const key = outcomes?.key(query);
  if (outcomes === undefined || key === undefined) return lookupAndCheck(ctx, file, query, verify);
  const known = await outcomes.get(key, query);
  if (known !== undefined) return known;
  const outcome = await lookupAndCheck(ctx, file, query, verify);
  await outcomes.put(key, outcome, ctx.freshHorizon);
  return outcome;
}

async function lookupAndCheck(ctx: RunContext, file: LockedFile, query: FileQuery, verify: boolean): Promise<FileOutcome> {
  // The outcome names the file as the index was asked about it (the outcome cache checks that name).
  const base = { filename: query.filename, sha256: file.sha256 };
  const result = await ctx.lookup(query);
  switch (result.status) {
    case 'none':
      return { ...base, status: 'no-provenance', identities: [], detail: result.detail, source: result.url };
    case 'unavailable':
      return { ...base, status: 'unavailable', identities: [], detail: result.detail, source: result.url, code: result.code };
    case 'index-mismatch':
      return { ...base, status: 'index-mismatch', identities: [], detail: result.detail, source: result.url };
    case 'found': {
      const outcome = await checkProvenance(ctx, result.provenance, file, verify, result.digest);
      return { ...base, ...outcome, source: result.url };
    }
  }
}

type Checked = Pick<FileOutcome, 'status' | 'identities' | 'detail'>;

async function checkProvenance(ctx: RunContext, provenance: Provenance, file: LockedFile, verify: boolean, digest: string | undefined): Promise<Checked> {
  if (provenance.attestation_bundles.length === 0) return invalid('provenance holds no attestation bundles');
  const identities: Identity[] = [];
  for (const [b, bundle] of provenance.attestation_bundles.entries()) {
    const mapped = identityFromPublisher(bundle.publisher);
    if (!mapped.ok) return invalid(`publisher: ${mapped.reason}`);
    if (bundle.attestations.length === 0) return invalid('an attestation bundle holds no attestations');
    if (verify) {
      // The body's digest and the position name each attestation for the verdict cache, without re-serializing it.
      const names = digest === undefined ? undefined : bundle.attestations.map((_, a) => `${digest}/${b}/${a}`);
      const failure = await verifyBundle(ctx, bundle.attestations, mapped.identity, file, names);
      if (failure !== undefined) return invalid(failure);
    }
    identities.push(mapped.identity);
  }
  return { status: verify ? 'verified' : 'unverified', identities };
}

async function verifyBundle(ctx: RunContext, attestations: Provenance['attestation_bundles'][number]['attestations'], identity: Identity, file: LockedFile, names: string[] | undefined): Promise<string | undefined> {
  const verifier = await ctx.verifier();
  const expected = { filename: file.filename, sha256: file.sha256 };
  // Side by side: with the worker pool, a file's attestations verify on different cores.
  const verdicts = await Promise.all(attestations.map((attestation, a) => verifier.verify(attestation, identity, expected, names?.[a])));
  const i = verdicts.findIndex((v) => !v.ok);
  const failed = verdicts[i];
  return failed === undefined || failed.ok ? undefined : `attestation ${i + 1}: ${failed.stage}: ${failed.reason}`;
}

function invalid(detail: string): Checked {
  return { status: 'invalid', identities: [], detail };
}
