import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { EMPTY_POLICY, policyFromToml, type Policy } from '../core/policy.js';
import { PylockAttestError } from '../errors.js';
import { decodeText } from './text-file.js';

export interface PolicyLocation {
  /** `--policy FILE`: must exist; `[tool.pylock-attest]` if it has one, else its top level. */
  file?: string;
  /** Where pyproject.toml is looked for when no file is named (default: the process's cwd). */
  cwd?: string;
}

/** Where a run's policy comes from: given, or a file named, or ./pyproject.toml (enrich, refresh, lock, check, diff alike). */
export interface PolicySource {
  /** An already loaded policy. */
  policy?: Policy;
  /** `--policy FILE`. */
  policyFile?: string;
  /** Where pyproject.toml is looked for (default: the process's cwd). */
  cwd?: string;
}

/** The run's policy, read before any request (a broken policy file is an input error, exit 2), and "today". */
export async function runPolicy(options: PolicySource & { now?: Date }): Promise<{ policy: Policy; now: Date }> {
  return { policy: await policyOf(options), now: options.now ?? new Date() };
}

/** The policy a run was given, else the one its options name or find. */
export function policyOf(source: PolicySource): Promise<Policy> {
  if (source.policy !== undefined) return Promise.resolve(source.policy);
  return loadPolicy({ ...(source.policyFile !== undefined ? { file: source.policyFile } : {}), ...(source.cwd !== undefined ? { cwd: source.cwd } : {}) });
}

/**
 * The audit policy: the file named, else `[tool.pylock-attest]` of
 * pyproject.toml in the working directory, else the empty policy. Errors
 * name the file and line.
 */
export async function loadPolicy(where: PolicyLocation = {}): Promise<Policy> {
  if (where.file !== undefined) {
    const text = await readText(where.file, true);
    return policyFromToml(text!, where.file, true);
  }
  const path = join(where.cwd ?? process.cwd(), 'pyproject.toml');
  const label = relative(process.cwd(), path) || path;
  const text = await readText(path, false);
  return text === undefined ? EMPTY_POLICY : policyFromToml(text, label, false);
}

async function readText(path: string, required: boolean): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return undefined;
    throw new PylockAttestError(
      'POLICY',
      `cannot read the policy file: ${code ?? String(e)}`,
      { file: path, hint: 'check the path given to --policy' },
      { cause: e },
    );
  }
  return decodeText(bytes, path, 'policy').text;
}
