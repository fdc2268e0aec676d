/**
 * The adversarial harness: every case is one attack on one package, run
 * through the built CLI with verification on, against its own loopback
 * index. A case is one table entry; the tables are cases-real.ts (real PyPI
 * provenance), cases-minted.ts (minted attestations, mock root) and
 * cases-environment.ts (the run's surroundings: a cache, proxies, hosts on
 * this machine).
 *
 * HOW TO ADD A CASE: one entry in a table's `cases`:
 *
 *     {
 *       name: 'what the attacker does',
 *       build: () => ({ name, version, files: [{ filename, sha256, provenance }] }),
 *       expect: { exit: 1, category: 'verification-failed', says: ['words the message must hold'] },
 *     }
 *
 * `build` says what the lockfile locks and what the index serves for it
 * (tamper.ts edits provenance; test/support/mint.ts mints it). An input
 * error is `{ exit: 2, code: 'LOCK_INVALID', says: [...] }`, an index
 * failure `{ exit: 3, code: 'INDEX_UNAVAILABLE', category: 'unavailable' }`.
 * A case that needs surroundings names a `setting` (a cache the attacker
 * wrote, a proxy that stalls, a root loaded as a user's run loads it):
 * settings are constants, shared by every case that names them, and
 * `warm` prepares the setting's cache for one case (forged records, an
 * earlier run). A new setting is a `Setting` constant (see below).
 *
 * For every case and every command its setting runs (enrich, refresh,
 * online check), the harness asserts what issue 10 asks of the tool:
 *   - the package is not `verified`, and neither is any file the case
 *     attacks (a partial package's attested sdist may well verify: it is
 *     the unattested wheel the identity must not vouch for);
 *   - no identity is written: the lockfile's bytes are unchanged;
 *   - the exit code the case expects (per lockfile, and for the run);
 *   - the finding (category) or error (code) the case expects, and that its
 *     message names what went wrong (`says`);
 * and per run: what its setting expects (stderr, files left alone), and,
 * without a cache, that no cache directory was even created.
 *
 * Cheap on a loaded machine: each case gets its own lockfile and its own
 * index (the lockfile's `index` key), so one CLI run per command carries
 * every case of a setting; cases with other options (a policy file) share a
 * run with those that need the same. No timing assertion anywhere.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** The provenance URL the index's page advertises, from its origin (default: its own). */
  advertise?: (origin: string) => string;
}

/** The package as the lockfile records it, and what its index serves. */
export interface Scenario {
  /** Project name (PEP 503 form or not) and version, as the lockfile's `[[packages]]` says. */
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
  /** For exit 2 or 3: the lockfile's (or the run's) error code. */
  code?: ErrorCode;
  /** Words the finding's message must hold (or, without a category, the error's), and the failing file's detail. */
  says?: string[];
  /** Online check, when it differs from enrich (then only what is given here is expected of it). */
  check?: { exit: Exit; category?: FindingCategory; code?: ErrorCode };
}

export type Command = 'enrich' | 'refresh' | 'check';
export const COMMANDS: readonly Command[] = ['enrich', 'refresh', 'check'];

export interface AdversarialCase {
  name: string;
  build: () => Scenario | Promise<Scenario>;
  expect: Expectation;
  /** More options for every command; cases with equal ones (and the same setting) share runs. Paths are relative to the run's directory. */
  args?: string[];
  /** The surroundings it runs in (default: no cache, the table's trusted root pinned). */
  setting?: Setting;
  /** Before the first command: prepares the setting's cache for this case (an earlier run, forged records); the lockfile as it leaves it is the one the commands must not change. */
  warm?: (w: Warm) => Promise<void>;
}

/**
 * Surroundings several cases share: their runs get its options and
 * environment, and its checks. `prepare` builds it once, in a directory of
 * its own, before any of its cases' indexes start.
 */
export interface Setting {
  name: string;
  /**
   * The commands its cases run (default all three). Fewer only where the
   * setting tests a gate every command passes the same way before its own
   * work (the cache's permissions): the setting says why.
   */
  commands?: readonly Command[];
  prepare?: (dir: string) => Environment | Promise<Environment>;
}

export interface Environment {
  /** More options for every command, and for one command only. */
  args?: string[];
  commandArgs?: Partial<Record<Command, string[]>>;
  /** More environment variables (HTTPS_PROXY, PYLOCK_ATTEST_STATE_DIR, …). */
  env?: Record<string, string>;
  /** The cache directory (--cache-dir); without one the run has --no-cache. */
  cacheDir?: string;
  /** false: no --trusted-root, the run loads its root as a user's does (then env must set HTTPS_PROXY, so TUF never reaches the internet). */
  pinRoot?: boolean;
  /** Each case's index also serves PyPI's Integrity API (pass `--provenance-source integrity` to use it). */
  integrityApi?: boolean;
  /** Serve each case's index over https with this key and certificate. */
  tls?: { key: string; cert: string };
  /** The `index` key a case's lockfile names (undefined: its index's own URL). */
  indexUrl?: (index: FakeIndex, scenario: Scenario) => string | undefined;
  /** Words every run's stderr must hold. */
  stderr?: string[];
  /** After each command: what does not hold (empty when all is well). */
  after?: (command: Command, run: { cli: CliRun; json: any }) => string[] | Promise<string[]>;
  close?: () => Promise<void>;
}

/** What a case's `warm` gets. */
export interface Warm {
  /** The case's lockfile (absolute), its index and its package. */
  lockfile: string;
  index: FakeIndex;
  scenario: Scenario;
  /** The setting's cache directory (a case with `warm` needs a setting with one). */
  cacheDir: string;
  /** A directory of the case's own. */
  dir: string;
  /** The built CLI on this case's lockfile, in the setting's environment and cache, with no other option (no trusted root: pass one): `[command, lockfile, ...args]`. */
  cli: (command: string, args: string[]) => Promise<CliRun>;
  /** The table's trusted_root.json. */
  trustedRoot: string;
}

export interface Table {
  title: string;
  /** The trusted_root.json every run verifies against (`dir`: an empty directory it may use). */
  trustedRoot: (dir: string) => Promise<unknown>;
  cases: AdversarialCase[];
  /** Files written into the run's directory first (e.g. a policy the cases' `args` name). */
  files?: Record<string, string>;
}

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
  setting: string;
  cases: string[];
  cli: CliRun;
  json: any;
  /** What the setting (or the harness, without a cache) found wrong with this run. */
  problems: string[];
}

export interface TableResult {
  /** Each case's package as built (which files it attacks). */
  scenarios: Map<string, Scenario>;
  observed: Map<string, Partial<Record<Command, Observed>>>;
  /** The commands each case ran. */
  commands: Map<string, readonly Command[]>;
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

/** The surroundings of a case that names none: no cache, the table's root. */
const PLAIN: Setting = { name: 'no cache, pinned trusted root' };

/** Groups run side by side: a stalling proxy's runs are mostly waiting, and a run's start-up is mostly one core's. */
const GROUPS_AT_ONCE = 3;

/** Runs every case of a table: build, serve, enrich, refresh, check. Indexes are closed before it returns. */
export async function runTable(table: Table, dir: string): Promise<TableResult> {
  return (await runTables([{ table, dir }]))[0]!;
}

/**
 * Runs several tables at once, each in its own directory: their groups share
 * one limit, so one table's waiting runs (a stalling proxy) overlap another's
 * busy ones. Groups start in the order given (the tables', then their cases').
 */
export async function runTables(tables: ReadonlyArray<{ table: Table; dir: string }>): Promise<TableResult[]> {
  const results: TableResult[] = [];
  const tasks: Array<() => Promise<void>> = [];
  for (const { table, dir } of tables) {
    const names = table.cases.map((c) => c.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new Error(`two cases are named ${JSON.stringify(twice)}`);
    const root = join(dir, 'trusted_root.json');
    mkdirSync(join(dir, 'trust-work'));
    writeFileSync(root, JSON.stringify(await table.trustedRoot(join(dir, 'trust-work'))));
    for (const [name, text] of Object.entries(table.files ?? {})) writeFileSync(join(dir, name), text);
    const result: TableResult = { scenarios: new Map(), observed: new Map(), commands: new Map(), runs: [] };
    results.push(result);
    const numbered = table.cases.map((kase, n) => ({ kase, n }));
    tasks.push(...groups(numbered).map((group, g) => () => runGroup(group, g, { dir, root, result })));
  }
  await allLimited(tasks, GROUPS_AT_ONCE);
  return results;
}

interface Shared {
  dir: string;
  root: string;
  result: TableResult;
}

async function runGroup(group: Array<{ kase: AdversarialCase; n: number }>, g: number, { dir, root, result }: Shared): Promise<void> {
  const setting = group[0]!.kase.setting ?? PLAIN;
  const settingDir = join(dir, `setting-${g}`);
  mkdirSync(settingDir);
  const env = (await setting.prepare?.(settingDir)) ?? {};
  if (env.pinRoot === false && env.env?.['HTTPS_PROXY'] === undefined)
    throw new Error(`${setting.name}: an unpinned trusted root needs HTTPS_PROXY, or TUF would reach the internet`);
  const commands = setting.commands ?? COMMANDS;
  const prepared: Prepared[] = [];
  try {
    for (const { kase, n } of group) prepared.push(await prepare(kase, n, dir, env));
    for (const p of prepared) {
      result.scenarios.set(p.kase.name, p.scenario);
      result.observed.set(p.kase.name, {});
      result.commands.set(p.kase.name, commands);
    }
    const base = (command: string) => [command, '--allow-index-host', '127.0.0.1', ...rootArgs(env, root), ...cacheArgs(env)];
    const cliEnv = { ...isolatedEnv(dir), ...env.env };
    for (const p of prepared) {
      if (p.kase.warm === undefined) continue;
      if (env.cacheDir === undefined) throw new Error(`${p.kase.name}: warm needs a setting with a cache directory`);
      const caseDir = join(settingDir, `case-${p.lockfile}`);
      mkdirSync(caseDir);
      const cli = (command: string, args: string[]) =>
        runCli([command, '--allow-index-host', '127.0.0.1', ...cacheArgs(env), p.lockfile, ...args], { cwd: dir, env: cliEnv });
      await p.kase.warm({ lockfile: p.path, index: p.index, scenario: p.scenario, cacheDir: env.cacheDir, dir: caseDir, cli, trustedRoot: root });
      // What the earlier runs left (an identity --no-verify wrote) is the lockfile the attack starts from.
      p.text = readFileSync(p.path, 'utf8');
    }
    for (const command of commands) {
      const args = [
        ...base(command),
        ...prepared.map((p) => p.lockfile),
        '--format',
        'json',
        ...(env.args ?? []),
        ...(env.commandArgs?.[command] ?? []),
        ...(group[0]!.kase.args ?? []),
      ];
      const cli = await runCli(args, { cwd: dir, env: cliEnv });
      const json = parseReport(cli);
      const problems = [
        ...((await env.after?.(command, { cli, json })) ?? []),
        ...stderrProblems(cli, env.stderr),
        ...(env.cacheDir === undefined ? cacheCreated(dir) : []),
      ];
      result.runs.push({ command, setting: setting.name, cases: prepared.map((p) => p.kase.name), cli, json, problems });
      for (const p of prepared) result.observed.get(p.kase.name)![command] = observe(command, json, p);
    }
  } finally {
    await Promise.all(prepared.map((p) => p.index.close()));
    await env.close?.();
  }
}

const rootArgs = (env: Environment, root: string): string[] => (env.pinRoot === false ? [] : ['--trusted-root', root]);
const cacheArgs = (env: Environment): string[] => (env.cacheDir === undefined ? ['--no-cache'] : ['--cache-dir', env.cacheDir]);

async function prepare(kase: AdversarialCase, n: number, dir: string, env: Environment): Promise<Prepared> {
  const scenario = await kase.build();
  const files = scenario.files.map((f) => ({
    project: scenario.name,
    version: scenario.version,
    filename: f.filename,
    sha256: f.sha256,
    provenance: f.provenance,
    ...(f.advertise ? { advertise: f.advertise } : {}),
  }));
  const index = await startFakeIndex({ files, integrity: env.integrityApi === true, ...(env.tls ? { tls: env.tls } : {}) });
  const text = lockText(scenario, env.indexUrl?.(index, scenario) ?? index.simpleUrl);
  const lockfile = `case-${String(n).padStart(3, '0')}.pylock.toml`;
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
  const lines = [
    'lock-version = "1.0"',
    'created-by = "adversarial"',
    '',
    '[[packages]]',
    `name = ${q(s.name)}`,
    `version = ${q(s.version)}`,
    `index = ${q(indexUrl)}`,
  ];
  if (sdist) lines.push(`sdist = ${entry(sdist)}`);
  if (wheels.length > 0) lines.push(`wheels = [${wheels.map(entry).join(', ')}]`);
  for (const id of s.recorded ?? []) lines.push('', '[[packages.attestation-identities]]', ...Object.entries(id).map(([k, v]) => `${k} = ${q(v)}`));
  return `${lines.join('\n')}\n`;
}

/** Cases with the same setting and extra options share a run; groups in order of their first case. */
function groups<T extends { kase: AdversarialCase }>(cases: T[]): T[][] {
  const settings: Setting[] = [];
  const byKey = new Map<string, T[]>();
  for (const c of cases) {
    const setting = c.kase.setting ?? PLAIN;
    if (!settings.includes(setting)) settings.push(setting);
    const key = `${settings.indexOf(setting)} ${JSON.stringify(c.kase.args ?? [])}`;
    byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  return [...byKey.values()];
}

async function allLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Never the user's cache, state or config, whatever the tool reads by default. */
function isolatedEnv(dir: string): Record<string, string> {
  return {
    HOME: dir,
    XDG_CACHE_HOME: join(dir, 'xdg-cache'),
    XDG_STATE_HOME: join(dir, 'xdg-state'),
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    PYLOCK_ATTEST_CACHE_DIR: join(dir, 'cache'),
  };
}

/** --no-cache reads and writes nothing: not even the default cache directory appears. */
function cacheCreated(dir: string): string[] {
  return [join(dir, 'cache'), join(dir, 'xdg-cache')].filter((d) => existsSync(d)).map((d) => `without a cache, ${d} was created`);
}

function stderrProblems(cli: CliRun, words: readonly string[] = []): string[] {
  return words.filter((w) => !cli.stderr.includes(w)).map((w) => `stderr does not say ${JSON.stringify(w)}: ${cli.stderr.slice(0, 600)}`);
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
  // A run-level error (a usage error, such as --offline without a usable cache): no lockfile was read.
  if (json.lockfiles === undefined && json.error !== undefined)
    return { exit: exitCodeFor(json.error.code) as Exit, unchanged, findings: [], error: json.error };
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
 * What every case must show, for each command it ran. Returns the failures
 * as text (empty when all hold), so one assertion names every broken promise.
 */
export function problems(
  kase: AdversarialCase,
  scenario: Pick<Scenario, 'files' | 'victims'> | undefined,
  seen: Partial<Record<Command, Observed>>,
  commands: readonly Command[] = COMMANDS,
): string[] {
  const out: string[] = [];
  const victims = new Set(scenario?.victims ?? scenario?.files.map((f) => f.filename) ?? []);
  for (const command of commands) {
    const o = seen[command];
    if (o === undefined) {
      out.push(`${command}: no result`);
      continue;
    }
    const want = command === 'check' ? (kase.expect.check ?? kase.expect) : kase.expect;
    if (!o.unchanged) out.push(`${command}: the lockfile was changed`);
    if (o.exit !== want.exit)
      out.push(
        `${command}: exit ${o.exit}, expected ${want.exit} (${JSON.stringify(o.findings.map((f) => f.category))}${o.error ? `, ${o.error.code}: ${o.error.message}` : ''})`,
      );
    if (o.pkg?.status === 'verified') out.push(`${command}: the package is reported verified`);
    if (o.pkg && ['added', 'updated', 'removed'].includes(o.pkg.action)) out.push(`${command}: identities would be ${o.pkg.action}`);
    for (const f of o.pkg?.files ?? []) if (victims.has(f.filename) && f.status === 'verified') out.push(`${command}: ${f.filename} is reported verified`);
    const says = kase.expect.says ?? [];
    if (want.category !== undefined) {
      const found = o.findings.filter((f) => f.category === want.category);
      if (found.length === 0) out.push(`${command}: no ${want.category} finding (got ${JSON.stringify(o.findings.map((f) => f.category))})`);
      for (const word of says) {
        if (found.length > 0 && !found.some((f) => f.message.includes(word)))
          out.push(`${command}: the ${want.category} finding does not say ${JSON.stringify(word)}: ${found[0]!.message}`);
      }
    }
    if (want.code !== undefined) {
      if (o.error?.code !== want.code) out.push(`${command}: error code ${o.error?.code}, expected ${want.code}`);
      if (want.category === undefined && o.error !== undefined)
        for (const word of says)
          if (!o.error.message.includes(word)) out.push(`${command}: the error does not say ${JSON.stringify(word)}: ${o.error.message}`);
    }
    if (command === 'enrich') {
      const failed = o.pkg?.files.find((f) => victims.has(f.filename) && f.status !== 'verified' && f.status !== 'no-provenance');
      for (const word of says)
        if (failed?.detail !== undefined && !failed.detail.includes(word) && word !== failed.filename)
          out.push(`enrich: ${failed.filename}'s detail does not say ${JSON.stringify(word)}: ${failed.detail}`);
    }
  }
  return out;
}
