/**
 * The worker-thread side of the verification pool (worker-pool.ts): builds
 * its own verifier from the trusted root it is given, then answers
 * `{ id, attestation | source, identity, expected }` with `{ id, verdict }`.
 * It holds no state beyond the verifier, so any worker may take any job.
 *
 * A job with a `source` carries the provenance document's bytes (transferred,
 * not cloned) and the attestation's position: the main thread parsed and
 * validated these very bytes, and parsing is deterministic, so the worker
 * verifies the same attestation. Anything that does not lead to one ends as
 * a failed verdict (the verifier checks the attestation's shape itself).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fastDerProblem, installFastDer } from './fast-der.js';
import { createVerifier } from './verifier.js';

export interface VerifyJob {
  id: number;
  attestation?: unknown;
  source?: { document: Uint8Array; bundle: number; attestation: number };
  identity: unknown;
  expected: unknown;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The attestation at `bundle`/`attestation` of a provenance document (PEP 740), or undefined. */
function attestationAt(source: NonNullable<VerifyJob['source']>): unknown {
  try {
    const doc = JSON.parse(decoder.decode(source.document)) as { attestation_bundles?: Array<{ attestations?: unknown[] }> } | null;
    const bundles = doc?.attestation_bundles;
    const attestations = Array.isArray(bundles) ? bundles[source.bundle]?.attestations : undefined;
    return Array.isArray(attestations) ? attestations[source.attestation] : undefined;
  } catch {
    return undefined;
  }
}

async function start(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const { trustedRoot } = workerData as { trustedRoot: unknown };
  try {
    const fast = installFastDer(trustedRoot);
    const verifier = await createVerifier({ json: trustedRoot });
    port.on('message', (job: VerifyJob) => {
      const attestation = job.source === undefined ? job.attestation : attestationAt(job.source);
      // The verifier's input types are checked inside verify(); anything odd ends as a failed verdict.
      void verifier.verify(attestation as never, job.identity as never, job.expected as never).then((verdict) => port.postMessage({ id: job.id, verdict }));
    });
    port.postMessage(fast ? { ready: true } : { ready: true, fastDerProblem: fastDerProblem() ?? 'it did not install' });
  } catch (e) {
    port.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) });
  }
}

await start();
