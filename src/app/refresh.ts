import { ENRICH_OPTION_KEYS, enrich, type EnrichOptions, type EnrichResult } from './enrich.js';
import { checkOptionKeys } from './option-keys.js';

/**
 * The scheduled job: re-check every locked file, record what is newly
 * proven, and say in one word (and one exit code) what a human must do.
 * It is `enrich` with an outcome on top; it never accepts an identity change
 * unless the caller passes `allowIdentityChange`, exactly like enrich.
 */
export type RefreshOptions = EnrichOptions;

/**
 * - `unchanged`: every file re-checked, nothing to write. Exit 0.
 * - `updated`: identities were written (or would be, on a dry run) and nothing needs a human. Exit 4.
 * - `needs-human`: a finding (identity removed or changed, verification failed, index disagrees). Exit 1,
 *   even if other packages' identities were written in the same run.
 * - `failed`: usage/input error (exit 2) or the index could not answer (exit 3); files untouched.
 */
export type RefreshOutcome = 'unchanged' | 'updated' | 'needs-human' | 'failed';

/**
 * Exit code for "identities updated, nothing needs a human". Outside the 0–3
 * every command shares, because a scheduled job must tell "open a PR" from
 * "nothing to do" (0) and from "a human must look" (1) without parsing output.
 */
export const EXIT_UPDATED = 4;

export interface RefreshResult extends Omit<EnrichResult, 'schema' | 'exitCode'> {
  schema: 'pylock-attest/refresh@2';
  outcome: RefreshOutcome;
  /** 0 unchanged, 4 updated, 1 needs a human, 2 usage/input, 3 network/index. */
  exitCode: 0 | 1 | 2 | 3 | typeof EXIT_UPDATED;
  /** Lockfiles whose identities were written (or would be, on a dry run). */
  updated: string[];
}

/** Re-check every lockfile, write what is newly proven, and classify the run. */
export async function refresh(paths: readonly string[], options: RefreshOptions = {}): Promise<RefreshResult> {
  checkOptionKeys('refresh', options, ENRICH_OPTION_KEYS);
  return refreshOutcome(await enrich(paths, options));
}

/** The refresh view of an enrich result (pure). */
export function refreshOutcome(result: EnrichResult): RefreshResult {
  const { schema: _schema, exitCode, ...rest } = result;
  const updated = result.lockfiles.filter((l) => l.changed).map((l) => l.path);
  const outcome: RefreshOutcome = exitCode === 2 || exitCode === 3 ? 'failed' : exitCode === 1 ? 'needs-human' : updated.length > 0 ? 'updated' : 'unchanged';
  const code = outcome === 'updated' ? EXIT_UPDATED : exitCode;
  return { schema: 'pylock-attest/refresh@2', ...rest, outcome, exitCode: code, updated };
}
