import { describeIdentity, identityFromPublisher } from '../core/identity.js';
import type { LockedFile, LockedPackage } from '../core/lockfile.js';
import type { FileOutcome } from '../core/outcome.js';
import type { Identity, Provenance } from '../core/types.js';
import type { FileQuery } from '../net/provenance-client.js';
import type { AttestationSource } from '../verify/verifier.js';
import type { KeptOutcome, OutcomeCache } from './outcome-cache.js';
import type { RunContext } from './run-context.js';

/** How one file's outcome came about, for --verbose: filled in as the work happens. */
export interface FileTrace {
  /** The outcome was kept from an earlier run (app/outcome-cache.ts): nothing was looked up or verified. */
  reused: boolean;
  /** Time to the index's answer (from the cache or the network). */
  lookupMs: number;
  /** Time spent verifying its attestations. */
  verifyMs: number;
}

/** What the index is asked about one locked file. */
export function fileQuery(pkg: LockedPackage, file: LockedFile, indexUrl: string): FileQuery {
  // Ask for the spelling the index lists; with only a `name` (maybe normalized), let the listing decide.
  const query: FileQuery = { indexUrl, project: pkg.project, version: pkg.version ?? '', filename: file.urlName ?? file.filename, sha256: file.sha256 };
  if (file.urlName === undefined) query.exactName = false;
  return query;
}

/**
 * The outcome kept for this file while the answers behind it are fresh
 * (app/outcome-cache.ts), found at once: a warm run is made of these, and
 * needs no promise, no window and no request for them.
 */
export function keptOutcome(outcomes: OutcomeCache | undefined, query: FileQuery): KeptOutcome | undefined {
  return outcomes?.getSync(outcomes.key(query), query);
}

/**
 * One locked file that has no kept outcome: fetch its provenance and verify
 * every attestation in it, then keep the outcome (when worth keeping). Run
 * inside the run's window of files in progress (RunContext.eachInWindow).
 * Results are data; nothing here throws for a per-file problem.
 */
export async function evaluateFile(
  ctx: RunContext,
  file: LockedFile,
  query: FileQuery,
  verify: boolean,
  trace?: FileTrace,
): Promise<{ outcome: FileOutcome; kept: KeptOutcome | undefined }> {
  const outcome = await lookupAndCheck(ctx, file, query, verify, trace);
  const outcomes = await ctx.outcomes(verify);
  return { outcome, kept: await outcomes?.put(outcomes.key(query), outcome, ctx.freshHorizon) };
}

async function lookupAndCheck(ctx: RunContext, file: LockedFile, query: FileQuery, verify: boolean, trace?: FileTrace): Promise<FileOutcome> {
  // The outcome names the file as the index was asked about it (the outcome cache checks that name).
  const base = { filename: query.filename, sha256: file.sha256 };
  const started = performance.now();
  const result = await ctx.lookup(query);
  if (trace) trace.lookupMs = Math.round(performance.now() - started);
  switch (result.status) {
    case 'none':
      return { ...base, status: 'no-provenance', identities: [], detail: result.detail, source: result.url };
    case 'unavailable':
      return { ...base, status: 'unavailable', identities: [], detail: result.detail, source: result.url, code: result.code };
    case 'index-mismatch':
      return { ...base, status: 'index-mismatch', identities: [], detail: result.detail, source: result.url };
    case 'found': {
      const checking = performance.now();
      const document = result.document !== undefined && result.digest !== undefined ? { document: result.document, digest: result.digest } : undefined;
      const outcome = await checkProvenance(ctx, result.provenance, file, verify, document);
      if (trace) trace.verifyMs = verify ? Math.round(performance.now() - checking) : 0;
      return { ...base, ...outcome, source: result.url };
    }
  }
}

type Checked = Pick<FileOutcome, 'status' | 'identities' | 'detail' | 'unverifiedKeys'>;
type Bundle = Provenance['attestation_bundles'][number];

/** The document the provenance was parsed from, which names each attestation (verify/verifier.ts AttestationSource). */
type Document = Pick<AttestationSource, 'document' | 'digest'>;

async function checkProvenance(ctx: RunContext, provenance: Provenance, file: LockedFile, verify: boolean, document: Document | undefined): Promise<Checked> {
  const bundles = provenance.attestation_bundles;
  if (bundles.length === 0) return invalid('provenance holds no attestation bundles');
  const identities: Identity[] = [];
  const unverifiedKeys: string[][] = [];
  for (const [b, bundle] of bundles.entries()) {
    const where = bundles.length > 1 ? ` of bundle ${b + 1}` : '';
    const mapped = identityFromPublisher(bundle.publisher);
    if (!mapped.ok) return invalid(`the publisher${where} is refused: ${mapped.reason}`);
    if (bundle.attestations.length === 0) return invalid(`attestation bundle ${b + 1} holds no attestations`);
    let claimed = Object.keys(mapped.identity).sort(); // --no-verify: every key is the index's word
    if (verify) {
      // The body and the position name each attestation for the verdict cache and a worker, without re-serializing it.
      const sources = document === undefined ? undefined : bundle.attestations.map((_, a): AttestationSource => ({ ...document, bundle: b, attestation: a }));
      const checked = await verifyBundle(ctx, bundle, mapped.identity, file, sources);
      if (!checked.ok) return invalid(`attestation ${checked.index + 1}${where} (${describeIdentity(mapped.identity)}): ${checked.reason}`);
      claimed = checked.unverifiedKeys;
    }
    identities.push(mapped.identity);
    unverifiedKeys.push(claimed);
  }
  return { status: verify ? 'verified' : 'unverified', identities, unverifiedKeys };
}

type BundleCheck = { ok: true; unverifiedKeys: string[] } | { ok: false; index: number; reason: string };

async function verifyBundle(
  ctx: RunContext,
  bundle: Bundle,
  identity: Identity,
  file: LockedFile,
  sources: AttestationSource[] | undefined,
): Promise<BundleCheck> {
  const verifier = await ctx.verifier();
  const expected = { filename: file.filename, sha256: file.sha256 };
  // Side by side: with the worker pool, a file's attestations verify on different cores.
  const verdicts = await Promise.all(bundle.attestations.map((attestation, a) => verifier.verify(attestation, identity, expected, sources?.[a])));
  const keys = new Set<string>();
  for (const [index, v] of verdicts.entries()) {
    if (!v.ok) return { ok: false, index, reason: v.reason };
    for (const k of v.unverifiedIdentityKeys) keys.add(k);
  }
  return { ok: true, unverifiedKeys: [...keys].sort() };
}

function invalid(detail: string): Checked {
  return { status: 'invalid', identities: [], detail };
}
