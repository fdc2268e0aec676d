/**
 * Whole processes, as users run them: the built CLI (`node
 * bin/pylock-attest.js …`) or a baseline script, each started fresh, timed
 * from spawn to exit (node's start-up included), with a clean environment.
 * Peak RSS and verification counts come from `--import` probes
 * (bench/probes/), never from the product's code.
 */
import { fork, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { IndexConfig, RequestTally } from './serve-index.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin/pylock-attest.js');
const HERE = import.meta.dirname;

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** With `probe: 'rss'`: the whole process's peak RSS (every thread). */
  maxRssKiB?: number;
  /** With `probe: 'verify'`: sigstore-js verifications, in every thread. */
  verifications?: number;
  /** With `probe: 'memory'`: bench/probes/memory-timeline.mjs's output. */
  memory?: unknown;
}

const PROBES = {
  rss: { script: 'peak-rss.mjs', variable: 'BENCH_RSS_FILE' },
  verify: { script: 'count-verify.mjs', variable: 'BENCH_VERIFY_FILE' },
  memory: { script: 'memory-timeline.mjs', variable: 'BENCH_MEMORY_FILE' },
} as const;

export interface RunOptions {
  /** node's own flags, before the script (--max-semi-space-size=…, --cpu-prof …). */
  nodeFlags?: string[];
  probe?: keyof typeof PROBES;
  /** Scratch dir for the probe's output and HOME (nothing reads the user's). */
  scratch: string;
  cwd?: string;
}

/** Runs `node [flags] script args…` and resolves once it has exited. */
export function runNode(script: string, args: string[], opts: RunOptions): Promise<ProcessRun> {
  const probeFile = path.join(opts.scratch, `probe-${process.hrtime.bigint()}.out`);
  const probe = opts.probe === undefined ? [] : ['--import', path.join(HERE, 'probes', PROBES[opts.probe].script)];
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: opts.scratch,
    XDG_CACHE_HOME: path.join(opts.scratch, 'xdg-cache'),
    NO_COLOR: '1',
    ...(opts.probe === undefined ? {} : { [PROBES[opts.probe].variable]: probeFile }),
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), ...probe, script, ...args], {
      env,
      cwd: opts.cwd ?? opts.scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const run: ProcessRun = { code, signal, wallMs: performance.now() - started, stdout, stderr };
      if (opts.probe === 'rss') run.maxRssKiB = existsSync(probeFile) ? (JSON.parse(readFileSync(probeFile, 'utf8')) as { maxRssKiB: number }).maxRssKiB : NaN;
      if (opts.probe === 'memory') run.memory = existsSync(probeFile) ? JSON.parse(readFileSync(probeFile, 'utf8')) : undefined;
      if (opts.probe === 'verify') run.verifications = existsSync(probeFile) ? readFileSync(probeFile, 'utf8').split('\n').filter(Boolean).length : 0;
      rmSync(probeFile, { force: true });
      resolve(run);
    });
  });
}

/** The built CLI, as a user runs it. */
export function runCli(args: string[], opts: RunOptions): Promise<ProcessRun> {
  return runNode(BIN, args, opts);
}

/** A CLI run that must have exited with `code`, or the measure is void. */
export function expectExit(run: ProcessRun, code: number, what: string): ProcessRun {
  if (run.code !== code) throw new Error(`${what}: exit ${run.code ?? run.signal} (expected ${code}): ${(run.stderr || run.stdout).slice(-1500)}`);
  return run;
}

export interface IndexProcess {
  origin: string;
  /** Requests since `mark` (the value `mark()` returned), with their statuses. */
  since(mark: number): Promise<RequestTally & { end: number }>;
  mark(): Promise<number>;
  close(): Promise<void>;
}

/** bench/serve-index.ts in its own process. */
export async function startIndex(config: IndexConfig): Promise<IndexProcess> {
  const child = fork(path.join(HERE, 'serve-index.ts'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const origin = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { origin?: string }) => (m.origin ? resolve(m.origin) : reject(new Error('the index did not start'))));
    child.once('exit', (code) => reject(new Error(`the index exited with ${code}`)));
  });
  const since = (from: number): Promise<RequestTally & { end: number }> =>
    new Promise((resolve) => {
      child.once('message', (m: RequestTally) => resolve({ ...m, end: from + m.total }));
      child.send({ since: from });
    });
  return {
    origin,
    since,
    mark: async () => (await since(0)).end,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ close: true });
      }),
  };
}
