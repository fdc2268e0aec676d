/**
 * The worker-thread side of the verification pool (worker-pool.ts): builds
 * its own verifier from the trusted root it is given, then answers
 * `{ id, attestation, identity, expected }` with `{ id, verdict }`.
 * It holds no state beyond the verifier, so any worker may take any job.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { installFastDer } from './fast-der.js';
import { createVerifier } from './verifier.js';

export interface VerifyJob {
  id: number;
  attestation: unknown;
  identity: unknown;
  expected: unknown;
}

async function start(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const { trustedRoot } = workerData as { trustedRoot: unknown };
  try {
    installFastDer(trustedRoot);
    const verifier = await createVerifier({ json: trustedRoot });
    port.on('message', (job: VerifyJob) => {
      // The verifier's input types are checked inside verify(); anything odd ends as a failed verdict.
      void verifier.verify(job.attestation as never, job.identity as never, job.expected as never).then((verdict) => port.postMessage({ id: job.id, verdict }));
    });
    port.postMessage({ ready: true });
  } catch (e) {
    port.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) });
  }
}

await start();
