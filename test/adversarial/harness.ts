/**
 * The adversarial harness: every case is one attack on one package, run
 * through the built CLI with verification on, against its own loopback
 * index. A case is one table entry (cases-*.ts): how to build the package as
 * locked and what the index serves for it, and what must come out.
 *
 * For every case and every command (enrich, refresh, online check), the
 * harness asserts what issue 10 asks of the tool under attack:
 *   - the package is not `verified`, and neither is any file the case
 *     attacks (a partial package's attested sdist may well verify: it is
 *     the unattested wheel the identity must not vouch for);
 *   - no identity is written: the lockfile's bytes are unchanged;
 *   - the exit code the case expects (per lockfile, and for the run);
 *   - the finding (category, and words in its message) the case expects.
 *
 * Cheap on a loaded machine: each case gets its own lockfile and its own
 * index (the lockfile's `index` key), so one CLI run per command carries a
 * whole table; cases that need other options (a policy file) share a run
 * with the cases that need the same ones. No timing assertion anywhere.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FindingCategory } from '../../src/core/outcome.js';
import type { Identity } from '../../src/core/types.js';
import { exitCodeFor, type ErrorCode } from '../../src/errors.js';
import { startFakeIndex, type FakeIndex } from '../support/fake-index.ts';
import { runCli, type CliRun } from '../support/run-cli.ts';

/** One locked file: `.whl` names are wheels, anything else the sdist. `provenance: null` = the index has none. */
export interface LockedFile {
  filename: string;
  sha256: string;
  provenance: unknown;
}

/** The package as the lockfile records it, and what its index serves. */
export interface Scenario {
  /** Project name (PEP 503 form or not) and version, matching the files' names. */
  name: string;
  version: string;
  files: LockedFile[];
  /** Identities the lockfile records before the run. */
  recorded?: Identity[];
  /** Files that must never be reported verified (default: every file). */
  victims?: string[];
}

export type Exit = 0 | 1 | 2 | 3;

export interface Expectation {
  /** enrich's and refresh's exit code for this case's lockfile. */
  exit: Exit;
  /** A finding of this category about the package, from every command. */
  category?: FindingCategory;
  /** For exit 2 or 3: the lockfile's error code. */
  code?: ErrorCode;
  /** Words the finding's message must hold (and the failing file's detail, where there is one). */
  says?: string[];
  /** Online check, when it differs from enrich (then only what is given here is expected of it). */
  check?: { exit: Exit; category?: FindingCategory; code?: ErrorCode };
}

export interface AdversarialCase {
  name: string;
  build: () => Scenario | Promise<Scenario>;
  expect: Expectation;
  /** More options for every command; cases with equal ones share runs. Paths are relative to the run's directory. */
  args?: string[];
}

export interface Table {
  title: string;
  /** The trusted_root.json every run verifies against (`dir`: an empty directory it may use). */
  trustedRoot: (dir: string) => Promise<unknown>;
  cases: AdversarialCase[];
  /** Files written into the run's directory first (e.g. a policy the cases' `args` name). */
  files?: Record<string, string>;
}

type Command = 'enrich' | 'refresh' | 'check';
export const COMMANDS: readonly Command[] = ['enrich', 'refresh', 'check'];

/** What one command said about one case. */
export interface Observed {
  exit: Exit;
  /** The lockfile's bytes were the same after the command. */
  unchanged: boolean;
  /** enrich/refresh: the package's status and action, each file's status and detail. */
  pkg?: { status: string; action: string; files: Array<{ filename: string; status: string; detail?: string }> };
  findings: Array<{ category: string; severity: string; allowed?: boolean; message: string; file?: string }>;
  error?: { code: string; message: string };
}

export interface RunReport {
  command: Command;
  cases: string[];
  cli: CliRun;
  json: any;
}

export interface TableResult {
  /** Each case's package as built (which files it attacks). */
  scenarios: Map<string, Scenario>;
  observed: Map<string, Partial<Record<Command, Observed>>>;
  runs: RunReport[];
}

interface Prepared {
  kase: AdversarialCase;
  scenario: Scenario;
  index: FakeIndex;
  /** As given to the CLI (relative to the run's directory), and so as reports name it. */
  lockfile: string;
  path: string;
  text: string;
}

/** Runs every case of a table: build, serve, enrich, refresh, check. Indexes are closed before it returns. */
export async function runTable(table: Table, dir: string): Promise<TableResult> {
  const names = table.cases.map((c) => c.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`two cases are named ${JSON.stringify(twice)}`);
  const root = join(dir, 'trusted_root.json');
  mkdirSync(join(dir, 'trust-work'));
  writeFileSync(root, JSON.stringify(await table.trustedRoot(join(dir, 'trust-work'))));
  for (const [name, text] of Object.entries(table.files ?? {})) writeFileSync(join(dir, name), text);
  const prepared: Prepared[] = [];
  try {
    for (const [i, kase] of table.cases.entries()) prepared.push(await prepare(kase, i, dir));
    const result: TableResult = { scenarios: new Map(prepared.map((p) => [p.kase.name, p.scenario])), observed: new Map(prepared.map((p) => [p.kase.name, {}])), runs: [] };
    for (const group of groups(prepared)) {
      for (const command of COMMANDS) {
        const args = [command, ...group.map((p) => p.lockfile), '--allow-index-host', '127.0.0.1', '--trusted-root', root, '--no-cache', '--format', 'json', ...(group[0]!.kase.args ?? [])];
        const cli = await runCli(args, { cwd: dir, env: isolatedEnv(dir) });
        const json = parseReport(cli);
        result.runs.push({ command, cases: group.map((p) => p.kase.name), cli, json });
        for (const p of group) result.observed.get(p.kase.name)![command] = observe(command, json, p);
      }
    }
    return result;
  } finally {
    await Promise.all(prepared.map((p) => p.index.close()));
  }
}

async function prepare(kase: AdversarialCase, i: number, dir: string): Promise<Prepared> {
  const scenario = await kase.build();
  const files = scenario.files.map((f) => ({ project: scenario.name, version: scenario.version, filename: f.filename, sha256: f.sha256, provenance: f.provenance }));
  const index = await startFakeIndex({ files, integrity: false });
  const text = lockText(scenario, index.simpleUrl);
  const lockfile = `case-${String(i).padStart(3, '0')}.pylock.toml`;
  const path = join(dir, lockfile);
  writeFileSync(path, text);
  return { kase, scenario, index, lockfile, path, text };
}

/** One package: its sdist and wheels with their hashes, its own index, and any recorded identities. */
export function lockText(s: Scenario, indexUrl: string): string {
  const q = (v: unknown) => JSON.stringify(v);
  const entry = (f: LockedFile) => `{ url = ${q(`https://files.example/${encodeURIComponent(f.filename)}`)}, hashes = { sha256 = ${q(f.sha256)} } }`;
  const sdist = s.files.find((f) => !f.filename.endsWith('.whl'));
  const wheels = s.files.filter((f) => f.filename.endsWith('.whl'));
  const lines = ['lock-version = "1.0"', 'created-by = "adversarial"', '', '[[packages]]', `name = ${q(s.name)}`, `version = ${q(s.version)}`, `index = ${q(indexUrl)}`];
  if (sdist) lines.push(`sdist = ${entry(sdist)}`);
  if (wheels.length > 0) lines.push(`wheels = [${wheels.map(entry).join(', ')}]`);
  for (const id of s.recorded ?? []) lines.push('', '[[packages.attestation-identities]]', ...Object.entries(id).map(([k, v]) => `${k} = ${q(v)}`));
  return `${lines.join('\n')}\n`;
}

/** Cases with the same extra options share a run. */
function groups(prepared: Prepared[]): Prepared[][] {
  const byArgs = new Map<string, Prepared[]>();
  for (const p of prepared) {
    const key = JSON.stringify(p.kase.args ?? []);
    byArgs.set(key, [...(byArgs.get(key) ?? []), p]);
  }
  return [...byArgs.values()];
}

/** Never the user's cache, state or config, whatever the tool reads by default. */
function isolatedEnv(dir: string): Record<string, string> {
  return { HOME: dir, XDG_CACHE_HOME: join(dir, 'xdg-cache'), XDG_STATE_HOME: join(dir, 'xdg-state'), XDG_CONFIG_HOME: join(dir, 'xdg-config'), PYLOCK_ATTEST_CACHE_DIR: join(dir, 'cache') };
}

function parseReport(cli: CliRun): any {
  try {
    return JSON.parse(cli.stdout);
  } catch {
    throw new Error(`the CLI printed no JSON report (exit ${cli.code}):\n${cli.stdout.slice(0, 2000)}\n${cli.stderr.slice(0, 2000)}`);
  }
}

function observe(command: Command, json: any, p: Prepared): Observed {
  const unchanged = readFileSync(p.path, 'utf8') === p.text;
  return command === 'check' ? observeCheck(json, p, unchanged) : observeEnrich(json, p, unchanged);
}

function observeEnrich(json: any, p: Prepared, unchanged: boolean): Observed {
  const lock = (json.lockfiles as any[]).find((l) => l.path === p.lockfile);
  if (lock === undefined) throw new Error(`${p.kase.name}: the report has no lockfile ${p.lockfile}`);
  const pkg = lock.packages[0];
  const observed: Observed = { exit: enrichExit(lock), unchanged, findings: lock.findings };
  if (pkg !== undefined) observed.pkg = { status: pkg.status, action: pkg.action, files: pkg.files };
  if (lock.error) observed.error = lock.error;
  return observed;
}

function observeCheck(json: any, p: Prepared, unchanged: boolean): Observed {
  const lock = (json.lockfiles as any[]).find((l) => l.path === p.lockfile);
  if (lock === undefined) throw new Error(`${p.kase.name}: the check report has no lockfile ${p.lockfile}`);
  const findings = (json.findings as any[]).filter((f) => f.path === p.lockfile);
  const observed: Observed = { exit: checkExit(lock, findings), unchanged, findings };
  if (lock.error) observed.error = lock.error;
  return observed;
}

/** A lockfile's own exit code, as the run's would be if it were alone: input 2, index 3, a failing finding 1. */
function enrichExit(lock: any): Exit {
  if (lock.error) return exitCodeFor(lock.error.code) as Exit;
  if ((lock.packages as any[]).some((p) => p.status === 'unavailable')) return 3;
  return (lock.findings as any[]).some(failing) ? 1 : 0;
}

function checkExit(lock: any, findings: any[]): Exit {
  if (lock.error) return exitCodeFor(lock.error.code) as Exit;
  if (findings.some((f) => f.category === 'unavailable')) return 3;
  return findings.some(failing) ? 1 : 0;
}

const failing = (f: { severity: string; allowed?: boolean }) => f.severity === 'error' && f.allowed !== true;

/** The run's exit code from its lockfiles' (and the policy's own findings): 2 over 3 over 1 over 0. */
export function combinedExit(exits: readonly Exit[]): Exit {
  for (const code of [2, 3, 1] as const) if (exits.includes(code)) return code;
  return 0;
}

/**
 * What every case must show, for each command. Returns the failures as
 * text (empty when all hold), so one assertion names every broken promise.
 */
export function problems(kase: AdversarialCase, scenario: Pick<Scenario, 'files' | 'victims'> | undefined, seen: Partial<Record<Command, Observed>>): string[] {
  const out: string[] = [];
  const victims = new Set(scenario?.victims ?? scenario?.files.map((f) => f.filename) ?? []);
  for (const command of COMMANDS) {
    const o = seen[command];
    if (o === undefined) {
      out.push(`${command}: no result`);
      continue;
    }
    const want = command === 'check' ? (kase.expect.check ?? kase.expect) : kase.expect;
    if (!o.unchanged) out.push(`${command}: the lockfile was changed`);
    if (o.exit !== want.exit) out.push(`${command}: exit ${o.exit}, expected ${want.exit} (${JSON.stringify(o.findings.map((f) => f.category))}${o.error ? `, ${o.error.code}: ${o.error.message}` : ''})`);
    if (o.pkg?.status === 'verified') out.push(`${command}: the package is reported verified`);
    if (o.pkg && ['added', 'updated', 'removed'].includes(o.pkg.action)) out.push(`${command}: identities would be ${o.pkg.action}`);
    for (const f of o.pkg?.files ?? []) if (victims.has(f.filename) && f.status === 'verified') out.push(`${command}: ${f.filename} is reported verified`);
    if (want.category !== undefined) {
      const found = o.findings.filter((f) => f.category === want.category);
      if (found.length === 0) out.push(`${command}: no ${want.category} finding (got ${JSON.stringify(o.findings.map((f) => f.category))})`);
      for (const word of kase.expect.says ?? []) {
        if (found.length > 0 && !found.some((f) => f.message.includes(word))) out.push(`${command}: the ${want.category} finding does not say ${JSON.stringify(word)}: ${found[0]!.message}`);
      }
    }
    if (want.code !== undefined && o.error?.code !== want.code) out.push(`${command}: error code ${o.error?.code}, expected ${want.code}`);
    if (command === 'enrich') {
      const failed = o.pkg?.files.find((f) => victims.has(f.filename) && f.status !== 'verified' && f.status !== 'no-provenance');
      for (const word of kase.expect.says ?? []) if (failed?.detail !== undefined && !failed.detail.includes(word) && word !== failed.filename) out.push(`enrich: ${failed.filename}'s detail does not say ${JSON.stringify(word)}: ${failed.detail}`);
    }
  }
  return out;
}
