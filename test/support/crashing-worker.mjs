// A verification worker that starts, then dies on its first job (test/worker-pool.test.ts).
import { parentPort } from 'node:worker_threads';

parentPort.on('message', () => process.exit(7));
parentPort.postMessage({ ready: true });
