// A verification worker whose fast DER encoder was refused (test/worker-pool.test.ts): it says so when ready.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (job) => parentPort.postMessage({ id: job.id, verdict: { ok: false, stage: 'sigstore', reason: 'test worker' } }));
parentPort.postMessage({ ready: true, fastDerProblem: '@sigstore/core is 9.9.9, and the fast encoder was checked against 4.0.1 only' });
