import { diffLocks } from '../core/diff.js';
import type { Policy } from '../core/policy.js';
import { parseGitSpec } from '../io/git-source.js';
import { runPolicy } from '../io/policy-file.js';
import { finishAudit, type AuditLockfile, type AuditResult } from './audit-result.js';
import { loadLockInput } from './lock-input.js';
import { checkOptionKeys, optionKeys } from './option-keys.js';

export interface DiffOptions {
  /** An already loaded policy; else `policyFile`, else `[tool.pylock-attest]` of `<cwd>/pyproject.toml`. */
  policy?: Policy;
  policyFile?: string;
  /** Where git runs and pyproject.toml is looked for (default: the process's cwd). */
  cwd?: string;
  /** "Today", for allowance expiry (default: now). */
  now?: Date;
}

/**
 * Compare two lockfiles, offline: what happened to the identities recorded in
 * `before`. Either side may be `git:<rev>:<path>`; `before` may be `git:<rev>`
 * when `after` is a path (the same file at that revision). Input errors throw.
 */
/** Every option diff takes: anything else from plain JavaScript is a usage error. */
export const DIFF_OPTION_KEYS = optionKeys<DiffOptions>({ policy: true, policyFile: true, cwd: true, now: true });

export async function diff(before: string, after: string, options: DiffOptions = {}): Promise<AuditResult> {
  checkOptionKeys('diff', options, DIFF_OPTION_KEYS);
  const cwd = options.cwd !== undefined ? { cwd: options.cwd } : {};
  const { policy, now: today } = await runPolicy(options);
  const afterIsFile = parseGitSpec(after) === undefined;
  const [old, now] = await Promise.all([loadLockInput(before, { ...cwd, ...(afterIsFile ? { defaultPath: after } : {}) }), loadLockInput(after, cwd)]);
  const entry: AuditLockfile = { path: now.label, base: old.label, packages: now.model.packages.length };
  if (old.absent) entry.baseAbsent = true;
  const findings = diffLocks(old.model, now.model, now.label);
  return finishAudit({ command: 'diff', online: false, lockfiles: [entry], findings, policy, now: today, requests: 0 });
}
