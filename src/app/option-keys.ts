import { closest } from '../core/suggest.js';
import { PylockAttestError } from '../errors.js';
import type { EvaluateOptions } from './evaluate.js';

/**
 * The option names a library function takes, written as an object with every
 * key of its options type: the compiler fails the build when a key is missing
 * here or not in the type, so this list cannot drift from the interface.
 */
export type KeysOf<T> = { [K in keyof Required<T>]: true };

/** Type-only imports here: `check --offline` loads this module and must load nothing of the network path. */
/** The keys of EvaluateOptions, which enrich, refresh, lock and (most of them) check take. */
export const EVALUATE_OPTION_KEYS: KeysOf<EvaluateOptions> = {
  indexUrl: true,
  allowIndexHosts: true,
  concurrency: true,
  provenanceSource: true,
  timeoutMs: true,
  deadlineMs: true,
  onRequest: true,
  verify: true,
  trustedRoot: true,
  cacheDir: true,
  cache: true,
  offline: true,
  stateDir: true,
  revalidate: true,
  onWarning: true,
  allowIdentityChange: true,
  onProgress: true,
  onFile: true,
  indexUrlFor: true,
  policy: true,
  now: true,
};

export function optionKeys<T>(keys: KeysOf<T>): ReadonlySet<string> {
  return new Set(Object.keys(keys));
}

/**
 * From plain JavaScript, a misspelt option (`{ dryrun: true }`, `{ offine: true }`)
 * would be silently ignored and the run would do what the caller did not ask:
 * write the file, use the network. It is a usage error instead.
 */
export function checkOptionKeys(fn: string, options: unknown, known: ReadonlySet<string>): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new PylockAttestError('USAGE', `${fn}(): options must be an object`);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length === 0) return;
  const guess = closest(unknown[0]!, [...known]);
  throw new PylockAttestError(
    'USAGE',
    `${fn}(): unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}${guess ? `; did you mean '${guess}'?` : ''}`,
    {
      hint: `${fn}() takes ${[...known].sort().join(', ')}`,
    },
  );
}
