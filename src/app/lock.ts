/**
 * `lock`: resolved requirements → a PEP 751 lockfile with every file
 * recorded, then identities through the very path `enrich` takes
 * (evaluateLoaded → decidePackage → applyIdentityEdits). Not a resolver:
 * every requirement must already be an exact pin.
 *
 * Nothing is written unless everything worked: input errors (2) and index
 * failures (3) leave no file behind. On an existing output `lock` is
 * `enrich`: when the requirements and the index still give the same
 * packages, the file keeps its bytes and recorded identities are the
 * baseline; otherwise the new packages are written with the recorded
 * identities carried over, so a changed publisher is still a finding.
 */
import { basename } from 'node:path';
import { validRange } from '@renovatebot/pep440';
import { parse } from 'smol-toml';
import { applyIdentityEdits, type IdentityEdit } from '../core/editor.js';
import { selectFiles, type Selection } from '../core/lock-selection.js';
import { renderLock, sameLockContent } from '../core/lock-writer.js';
import { parseLock, type LockedPackage, type LockModel } from '../core/lockfile.js';
import type { Finding } from '../core/outcome.js';
import { expiredAllowanceFindings, type Policy } from '../core/policy.js';
import { collectPins, type PinSet } from '../core/pin-set.js';
import type { LockWarning, Pin, SourcePosition } from '../core/requirements.js';
import { PylockAttestError, exitCodeFor } from '../errors.js';
import { writeLockSource, writeNewLockfile } from '../io/lockfile-io.js';
import { runPolicy, type PolicySource } from '../io/policy-file.js';
import { readRequirementsFiles } from '../io/requirements-file.js';
import { checkIndexUrl, judgeIndexUrl, redactUrl } from '../net/urls.js';
import { defaultCacheDir } from './cache-dir.js';
import { exitCodeOf, finish, withPolicy, type LockfileResult } from './enrich.js';
import { DEFAULT_INDEX_URL, evaluateLoaded, type EvaluateOptions, type ModelOf } from './evaluate.js';
import { checkOptionKeys, EVALUATE_OPTION_KEYS, optionKeys } from './option-keys.js';
import { loadLockfileIfAny, type LoadedLockfile } from './read-lockfile.js';
import { RunContext } from './run-context.js';

/** The policy is read as enrich reads it: its allowances may accept a partially attested package. */
export interface LockOptions extends EvaluateOptions, PolicySource {
  /** Where the lockfile goes (default `pylock.toml`). */
  output?: string;
  /** The lock's top-level `requires-python` (a PEP 440 specifier set); left out without it. */
  requiresPython?: string;
  /** Compute everything, write nothing. */
  dryRun?: boolean;
  /** `${VAR}` values for the requirements files, as pip expands them (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface LockResult {
  schema: 'pylock-attest/lock@2';
  /** Attestations were verified; false only with `verify: false` (--no-verify). */
  verification: boolean;
  trustRoot?: string;
  /** Where the policy came from; absent when there was none. */
  policy?: string;
  /** Findings about the policy itself (`allowance-expired`); absent when none. */
  policyFindings?: Finding[];
  /** Every requirements file read, includes too. */
  requirements: string[];
  output: string;
  /** One entry: the output lockfile. */
  lockfiles: LockfileResult[];
  requests: number;
  exitCode: 0 | 1 | 2 | 3;
}

/** Lockfile names PEP 751 allows. */
const LOCK_NAME = /^pylock\.([^.]+\.)?toml$/;

/** Every option lock takes: anything else from plain JavaScript is a usage error. */
export const LOCK_OPTION_KEYS = optionKeys<LockOptions>({
  ...EVALUATE_OPTION_KEYS,
  policyFile: true,
  cwd: true,
  output: true,
  requiresPython: true,
  dryRun: true,
  env: true,
});

export async function lock(requirements: readonly string[], options: LockOptions = {}): Promise<LockResult> {
  checkOptionKeys('lock', options, LOCK_OPTION_KEYS);
  if (requirements.length === 0)
    throw new PylockAttestError('USAGE', 'name at least one requirements file', { hint: 'pylock-attest lock requirements.txt -o pylock.toml' });
  if (options.requiresPython !== undefined && (options.requiresPython.trim() === '' || !validRange(options.requiresPython))) {
    throw new PylockAttestError('USAGE', `--requires-python ${JSON.stringify(options.requiresPython)} is not a PEP 440 specifier set`, {
      hint: 'for example --requires-python ">=3.9"',
    });
  }
  if (options.indexUrl !== undefined) checkIndexUrl(options.indexUrl);
  const output = options.output ?? 'pylock.toml';
  const { policy, now } = await runPolicy(options);
  const run = new LockRun(output, { ...options, policy, now }, policy);
  try {
    return await run.lock(requirements);
  } catch (e) {
    if (e instanceof PylockAttestError) return run.failed(e);
    throw e;
  } finally {
    await run.close();
  }
}

/** An index to search, with credentials (`url`), and as the lockfile records it (`shown`). */
interface IndexChoice {
  url: string;
  shown: string;
  at: SourcePosition | undefined;
}

type PageAnswer = { pin: Pin; index: IndexChoice; files: Parameters<typeof selectFiles>[1] } | { pin: Pin; error: PylockAttestError };

class LockRun {
  readonly ctx: RunContext;
  readonly warnings: string[] = [];
  readonly files: string[] = [];
  private verification: boolean;

  constructor(
    readonly output: string,
    readonly options: LockOptions,
    readonly policy: Policy,
  ) {
    this.ctx = new RunContext(options, { ...options, cacheDir: options.cacheDir ?? defaultCacheDir() });
    this.verification = options.verify ?? true;
    if (!LOCK_NAME.test(basename(output))) this.warnings.push(`${output}: PEP 751 names lockfiles pylock.toml or pylock.<name>.toml`);
  }

  async lock(requirements: readonly string[]): Promise<LockResult> {
    const env = this.options.env ?? process.env;
    const input = await readRequirementsFiles(requirements, (name) => env[name]);
    this.files.push(...input.files);
    this.warn(input.warnings);
    const set = collectPins(input.entries);
    this.warn(set.warnings);
    if (set.pins.length === 0)
      throw new PylockAttestError('REQUIREMENTS', 'no requirement to lock', {
        file: requirements[0],
        hint: 'lock a resolved requirements file: one name==version per line',
      });
    const indexes = this.indexes(set);
    const selections = await this.select(set.pins, indexes);
    const packages = selections.map((s) => s.package);
    const doc = this.options.requiresPython !== undefined ? { requiresPython: this.options.requiresPython.trim(), packages } : { packages };
    return this.record(renderLock(doc), new Map(indexes.map((i) => [i.shown, i.url])));
  }

  /** `--index-url` on the command line replaces the requirements' primary index; extra indexes stay, as with pip. */
  private indexes(set: PinSet): IndexChoice[] {
    const primary =
      this.options.indexUrl !== undefined ? { url: this.options.indexUrl, at: undefined } : (set.indexUrl ?? { url: DEFAULT_INDEX_URL, at: undefined });
    const choices = [primary, ...set.extraIndexUrls].map((i) => this.checkIndex(i.url, i.at));
    return choices.filter((c, i) => choices.findIndex((d) => d.shown === c.shown) === i);
  }

  /** An index a requirements file names obeys the rules a lockfile's `index` key does. */
  private checkIndex(url: string, at: SourcePosition | undefined): IndexChoice {
    const where = at ? { file: at.file, line: at.line, column: at.column } : {};
    const judged = judgeIndexUrl(url, at !== undefined, this.options.allowIndexHosts);
    if (judged.refused === 'insecure') throw new PylockAttestError(judged.error.code, judged.error.message, { ...where, hint: judged.error.hint });
    if (judged.refused === 'host') {
      const host = judged.url.host;
      throw new PylockAttestError('INDEX_URL', `${redactUrl(judged.url)} is not a host this run was told to query`, {
        ...where,
        hint: `pass --allow-index-host ${host} if you trust that index, or --index-url to choose the index yourself`,
      });
    }
    return { url, shown: redactUrl(judged.url).replace(/\/$/, url.endsWith('/') ? '/' : ''), at };
  }

  /** Every pin's page, concurrently through the run's limiter; then the first input error, else the first index failure. */
  private async select(pins: readonly Pin[], indexes: readonly IndexChoice[]): Promise<Selection[]> {
    const answers = await Promise.all(pins.map((pin) => this.page(pin, indexes)));
    const selections: Selection[] = [];
    let indexFailure: PylockAttestError | undefined;
    for (const answer of answers) {
      try {
        if ('error' in answer) throw answer.error;
        selections.push(selectFiles(answer.pin, answer.files, answer.index.shown));
      } catch (e) {
        if (!(e instanceof PylockAttestError) || exitCodeFor(e.code) === 2) throw e;
        indexFailure ??= e;
      }
    }
    if (indexFailure) throw indexFailure;
    for (const s of selections) this.warn(s.warnings);
    return selections;
  }

  /**
   * The first index that lists the project is the package's index (uv's
   * `first-index`): a later index never shadows an earlier one, which is what
   * stops a public name from taking over a private package. An index that
   * fails to answer stops the search rather than falling through.
   */
  private async page(pin: Pin, indexes: readonly IndexChoice[]): Promise<PageAnswer> {
    const where = { file: pin.at.file, line: pin.at.line, column: pin.at.column, package: pin.name };
    for (const index of indexes) {
      const result = await this.ctx.projectFiles(index.url, pin.project);
      if (result.status === 'page') return { pin, index, files: result.files };
      if (result.status === 'unavailable')
        return {
          pin,
          error: new PylockAttestError(result.code, `${result.url}: ${result.detail}`, { ...where, hint: 'try again later; nothing was written' }),
        };
    }
    const searched = indexes.map((i) => i.shown).join(', ');
    return {
      pin,
      error: new PylockAttestError('REQUIREMENTS', `no index lists ${pin.name} (searched ${searched})`, {
        ...where,
        hint: 'check the name, or add the index that has it with --extra-index-url',
      }),
    };
  }

  /** The lock text → the candidate (existing file or new text) → identities as enrich decides them → written. */
  private async record(fresh: string, realIndex: ReadonlyMap<string, string>): Promise<LockResult> {
    const existing = await readExisting(this.output);
    // Same data as the new lock, identities aside: the file keeps its bytes (comments, formatting).
    const same = existing !== undefined && sameLockContent(parse(existing.model.document.text), parse(fresh));
    const candidate: ModelOf = same ? existing : { model: this.newCandidate(fresh, existing) };
    const evaluation = await evaluateLoaded(this.ctx, [{ path: this.output, lock: candidate }], {
      ...this.options,
      indexUrl: undefined,
      indexUrlFor: (pkg: LockedPackage) => (pkg.indexUrl === undefined ? undefined : realIndex.get(pkg.indexUrl)),
    });
    this.verification = evaluation.verification;
    const entry = evaluation.lockfiles[0]!;
    if (!entry.ok) throw entry.error;
    // Ends as enrich does; the output is the existing file (conflict-checked) or a new one (never overwritten).
    const lockfile = await finish(
      entry,
      this.options,
      () => ({
        current: existing?.source.text,
        write: (text) => (existing !== undefined ? writeLockSource(existing.source, text) : writeNewLockfile(this.output, text)),
      }),
      this.warnings,
    );
    return this.result(lockfile, evaluation.trustRoot);
  }

  /** New text for the output, carrying over the identities the existing lockfile recorded, so enrich's rules judge them. */
  private newCandidate(fresh: string, existing: LoadedLockfile | undefined): LockModel {
    const model = parseLock(fresh, this.output);
    if (existing === undefined) return model;
    const edits = carriedIdentities(model, existing.model);
    if (edits.length === 0) return model;
    return parseLock(applyIdentityEdits(model.document, edits, this.output).text, this.output);
  }

  private warn(warnings: readonly LockWarning[]): void {
    for (const w of warnings) this.warnings.push(`${w.at.file}:${w.at.line}: ${w.message}`);
  }

  private result(lockfile: LockfileResult, trustRoot: string | undefined): LockResult {
    const policyFindings = expiredAllowanceFindings(this.policy, this.options.now ?? new Date());
    const result: LockResult = {
      schema: 'pylock-attest/lock@2',
      verification: this.verification,
      requirements: this.files,
      output: this.output,
      lockfiles: [lockfile],
      requests: this.ctx.requests,
      exitCode: exitCodeOf([lockfile], policyFindings),
    };
    if (trustRoot !== undefined) result.trustRoot = trustRoot;
    withPolicy(result, this.policy, policyFindings);
    return result;
  }

  failed(error: PylockAttestError): LockResult {
    const lockfile: LockfileResult = {
      path: this.output,
      packages: [],
      findings: [],
      warnings: this.warnings,
      changed: false,
      written: false,
      error: error.toReport(),
    };
    return this.result(lockfile, undefined);
  }

  close(): Promise<void> {
    return this.ctx.close();
  }
}

/** The output as it is now, or undefined when there is none yet. A file we cannot read as a lockfile is refused, never overwritten. */
async function readExisting(output: string): Promise<LoadedLockfile | undefined> {
  try {
    return await loadLockfileIfAny(output);
  } catch (e) {
    if (!(e instanceof PylockAttestError)) throw e;
    throw new PylockAttestError(
      e.code,
      `the output exists and is not a lockfile we can read: ${e.message}`,
      { file: e.file ?? output, line: e.line, column: e.column, hint: 'fix or remove it, or choose another --output; nothing was written' },
      { cause: e },
    );
  }
}

/** Each new package takes the identities recorded for the same project and marker (or the project's only entry). */
function carriedIdentities(fresh: LockModel, existing: LockModel): IdentityEdit[] {
  const edits: IdentityEdit[] = [];
  for (const pkg of fresh.packages) {
    const same = existing.packages.filter((o) => o.project === pkg.project);
    const match = same.find((o) => o.marker === pkg.marker) ?? (same.length === 1 ? same[0] : undefined);
    const identities = match?.identities;
    if (identities !== undefined && identities.length > 0) edits.push({ position: pkg.position, identities });
  }
  return edits;
}
