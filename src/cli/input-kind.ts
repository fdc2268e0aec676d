import { basename } from 'node:path';
import { PylockAttestError } from '../errors.js';

/**
 * The two commands that read different kinds of file, caught before any work
 * when the file's name says it is the other kind: `enrich requirements.txt`
 * would otherwise fail deep in the TOML parser, `lock pylock.toml` in the
 * requirements parser, and neither message would say which command was meant.
 */
export function refuseRequirementsFiles(command: 'enrich' | 'refresh' | 'check' | 'diff', paths: readonly string[]): void {
  const named = paths.find((p) => !p.startsWith('git:') && looksLikeRequirements(basename(p)));
  if (named === undefined) return;
  throw new PylockAttestError('USAGE', `${named} looks like a requirements file, and ${command} reads PEP 751 lockfiles (pylock.toml)`, {
    hint: `to write a lockfile from it, use pylock-attest lock ${named} -o pylock.toml`,
  });
}

export function refuseLockfiles(paths: readonly string[]): void {
  const named = paths.find((p) => /\.toml$/i.test(p));
  if (named === undefined) return;
  const lockfile = /^pylock(\.[^.]+)?\.toml$/i.test(basename(named));
  throw new PylockAttestError(
    'USAGE',
    `${named} is ${lockfile ? 'a lockfile' : 'a TOML file'}, and lock reads requirements files (pip-compile or uv pip compile output)`,
    {
      hint: lockfile
        ? `to record identities in an existing lockfile, use pylock-attest enrich ${named}`
        : 'export the requirements first (uv pip compile pyproject.toml -o requirements.txt), then lock that file',
    },
  );
}

function looksLikeRequirements(name: string): boolean {
  return /\.(txt|in)$/i.test(name) || (/^requirements/i.test(name) && !/\.toml$/i.test(name));
}
