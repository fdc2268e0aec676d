import { PylockAttestError } from '../errors.js';

/** package.json `engines.node` (test/startup.test.ts checks they agree). */
export const MIN_NODE = '22.19.0';

/**
 * Refuse to run a command on a Node.js older than we support, with a message
 * that says which node ran and how to pick another, instead of a crash deep
 * inside undici. pre-commit's `language_version: system` can pick an old
 * distro `nodejs` even when a newer `node` is first on PATH (docs/pre-commit.md).
 */
export function checkNodeVersion(version: string = process.versions.node, execPath: string = process.execPath): void {
  if (atLeast(version, MIN_NODE)) return;
  throw new PylockAttestError('USAGE', `pylock-attest needs Node.js ${MIN_NODE} or newer; this is Node.js ${version} (${execPath})`, {
    hint: 'put a newer node first on PATH; under pre-commit see docs/pre-commit.md#nodejs-version',
  });
}

export function atLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const b = minimum.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}
