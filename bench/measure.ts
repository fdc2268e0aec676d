/**
 * One in-process measurement, run by bench/run.ts in a fresh node process
 * so that nothing warms or pollutes the next one. Prints one JSON object.
 *
 *   node bench/measure.ts rewrite '{"lock": "...", "runs": 5}'
 *   node bench/measure.ts fetch   '{"lock": "...", "indexUrl": "...", "mode": "integrity", "cacheDir": "..."}'
 *   node bench/measure.ts verify  '{"packages": 100, "perPackage": 20, "poolSize": 2}'
 *   node bench/measure.ts inline  '{"packages": 100, "perPackage": 20, "count": 600}'   (under --cpu-prof)
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { loadOrMintFixtures, WORK } from './fixtures.ts';
import { packages, type GeneratedPackage } from './generate.ts';

const DIST = new URL('../dist/', import.meta.url);
const dist = (p: string): Promise<any> => import(new URL(p, DIST).href);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function rewrite(a: { lock: string; runs: number }): Promise<unknown> {
  const { applyIdentityEdits } = await dist('core/editor.js');
  const text = readFileSync(a.lock, 'utf8');
  const data = parse(text) as { packages: Array<{ name: string }> };
  const edits = data.packages.map((p, i) => ({ packageIndex: i, identities: [{ kind: 'GitHub', repository: `bench-org/${p.name}`, workflow: 'release.yml', environment: 'pypi' }] }));
  const parseMs: number[] = [];
  const editMs: number[] = [];
  for (let i = 0; i < a.runs; i++) {
    // Alternate, so drift on a shared machine hits both sides alike.
    let t = performance.now();
    parse(text);
    parseMs.push(performance.now() - t);
    t = performance.now();
    const out = applyIdentityEdits(text, data, edits, a.lock);
    editMs.push(performance.now() - t);
    if (!out.changed) throw new Error('the edit changed nothing');
  }
  return { bytes: Buffer.byteLength(text), parseMs, editMs, ratio: median(editMs) / median(parseMs) };
}

async function fetchPhase(a: { lock: string; indexUrl: string; mode: string; cacheDir: string; concurrency: number; cache?: boolean }): Promise<unknown> {
  const { evaluateLockfiles } = await dist('app/evaluate.js');
  let first = 0;
  let last = 0;
  let files = 0;
  const started = performance.now();
  const evaluation = await evaluateLockfiles([a.lock], {
    indexUrl: a.indexUrl,
    provenanceSource: a.mode,
    verify: false,
    cache: a.cache ?? true,
    cacheDir: a.cacheDir,
    concurrency: a.concurrency,
    onRequest: () => (first ||= performance.now()),
    onProgress: (p: { done: number; total: number }) => {
      files = p.total;
      if (p.done === p.total) last = performance.now();
    },
  });
  const statuses = new Set<string>(evaluation.lockfiles[0].packages.map((p: { status: string }) => p.status));
  return { fetchMs: last - first, totalMs: performance.now() - started, requests: evaluation.requests, files, statuses: [...statuses] };
}

interface Job {
  attestation: unknown;
  identity: unknown;
  expected: { filename: string; sha256: string };
}

/**
 * Verification jobs for the first packages of `list`, from a slice of the
 * minted fixtures that run.ts writes once (bench/.work/jobs-*.json): loading
 * the full 130 MB set in every measuring process cost seconds each.
 */
async function jobsFor(list: GeneratedPackage[], count: number): Promise<{ root: unknown; jobs: Job[] }> {
  const file = path.join(WORK, `jobs-${list.length}.json`);
  if (!existsSync(file)) {
    const fixtures = await loadOrMintFixtures(packages(1000, 20), () => undefined);
    const all: Job[] = [];
    for (const p of list) {
      for (const f of p.files) {
        const prov = fixtures.provenance[f.filename] as { attestation_bundles: Array<{ attestations: unknown[] }> };
        all.push({ attestation: prov.attestation_bundles[0]!.attestations[0], identity: { ...p.publisher, environment: 'pypi' }, expected: { filename: f.filename, sha256: f.sha256 } });
      }
    }
    writeFileSync(`${file}.tmp`, JSON.stringify({ root: fixtures.trustedRoot, jobs: all }));
    renameSync(`${file}.tmp`, file);
  }
  const { root, jobs } = JSON.parse(readFileSync(file, 'utf8')) as { root: unknown; jobs: Job[] };
  return { root, jobs: jobs.slice(0, count) };
}

async function timeAll(verifier: { verify: (...a: any[]) => Promise<{ ok: boolean }> }, jobs: Job[]): Promise<number> {
  const t = performance.now();
  const verdicts = await Promise.all(jobs.map((j) => verifier.verify(j.attestation, j.identity, j.expected)));
  const ms = performance.now() - t;
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length > 0) throw new Error(`${bad.length} attestations failed: ${JSON.stringify(bad[0])}`);
  return ms;
}

/** Sequential inline verification: ms per attestation on one core. */
async function inlineRate(verifier: any, jobs: Job[]): Promise<number> {
  await timeAll(verifier, jobs.slice(0, 50)); // JIT warm-up
  const t = performance.now();
  for (const j of jobs) await verifier.verify(j.attestation, j.identity, j.expected);
  return (performance.now() - t) / jobs.length;
}

async function verify(a: { packages: number; perPackage: number; poolSize: number; inlineCount: number }): Promise<unknown> {
  const { root, jobs } = await jobsFor(packages(a.packages, a.perPackage), Number.MAX_SAFE_INTEGER);
  const [{ createVerifier }, { installFastDer }, { startWorkerPool }] = await Promise.all([dist('verify/verifier.js'), dist('verify/fast-der.js'), dist('verify/worker-pool.js')]);
  // One core, sigstore-js exactly as published; then with our DER encoder.
  const plain = await createVerifier({ json: root });
  const msPlain = await inlineRate(plain, jobs.slice(0, a.inlineCount));
  if (!installFastDer(root)) throw new Error('fast DER encoder refused');
  const msFast = await inlineRate(plain, jobs.slice(0, a.inlineCount));
  // The pool, cold: from spawning the workers to the last verdict.
  const started = performance.now();
  const pool = startWorkerPool({ trust: { json: root }, size: a.poolSize });
  const readyMs = (await pool.ready) ? performance.now() - started : NaN;
  const poolMs = await timeAll(pool, jobs);
  const coldMs = performance.now() - started;
  const warmMs = await timeAll(pool, jobs);
  await pool.close();
  return { attestations: jobs.length, poolSize: a.poolSize, msPerAttestationInline: msFast, msPerAttestationUnpatched: msPlain, poolReadyMs: readyMs, poolColdMs: coldMs, poolMs, poolWarmMs: warmMs, perSecondCold: (jobs.length * 1000) / coldMs, perSecondWarm: (jobs.length * 1000) / warmMs };
}

/** What the profile is taken of: inline verification, fast DER on, after a warm-up. */
async function inline(a: { packages: number; perPackage: number; count: number; fastDer: boolean }): Promise<unknown> {
  const { root, jobs } = await jobsFor(packages(a.packages, a.perPackage), a.count);
  const [{ createVerifier }, { installFastDer }] = await Promise.all([dist('verify/verifier.js'), dist('verify/fast-der.js')]);
  if (a.fastDer) installFastDer(root);
  const v = await createVerifier({ json: root });
  return { msPerAttestation: await inlineRate(v, jobs) };
}

/** Inline only vs the adaptive verifier (inline, then the pool) for a run of `count` verifications arriving at once. */
async function adaptive(a: { packages: number; perPackage: number; count: number; poolAfter: number }): Promise<unknown> {
  const { root, jobs } = await jobsFor(packages(a.packages, a.perPackage), a.count);
  const { adaptiveVerifier } = await dist('verify/adaptive-verifier.js');
  const t = performance.now();
  const v = adaptiveVerifier({ json: root }, { poolAfter: a.poolAfter });
  await timeAll(v, jobs);
  const ms = performance.now() - t;
  await v.close();
  return { ms, counts: v.counts };
}

/** Peak RSS of reading the lockfile, then of splicing identities into it: the part of a run that is not ours to shrink here. */
async function lockRss(a: { lock: string }): Promise<unknown> {
  const [{ loadLockfile }, { applyIdentityEdits }] = await Promise.all([dist('app/read-lockfile.js'), dist('core/editor.js')]);
  const lock = await loadLockfile(a.lock);
  const loadedKiB = process.resourceUsage().maxRSS;
  const edits = lock.model.packages.map((p: { name: string }, i: number) => ({ packageIndex: i, identities: [{ kind: 'GitHub', repository: `bench-org/${p.name}`, workflow: 'release.yml', environment: 'pypi' }] }));
  applyIdentityEdits(lock.source.text, lock.model.data, edits, a.lock);
  return { loadedMiB: loadedKiB / 1024, editedMiB: process.resourceUsage().maxRSS / 1024 };
}

const [task, json = '{}'] = process.argv.slice(2);
const tasks: Record<string, (a: any) => Promise<unknown>> = { rewrite, fetch: fetchPhase, verify, inline, adaptive, lockrss: lockRss };
const run = tasks[task ?? ''];
if (run === undefined) throw new Error(`unknown task ${task}`);
process.stdout.write(`${JSON.stringify(await run(JSON.parse(json)))}\n`);
