/**
 * Locates the shared interoperability data (real PyPI/Sigstore objects) at
 * `../shared/interop` relative to the project root. A user's clone has no
 * `../shared`, so tests that need it skip, naming the missing path.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const INTEROP_DIR = path.resolve(PROJECT_ROOT, '../shared/interop');

/** Absolute path of a file under the interop directory. */
export function interopPath(...parts: string[]): string {
  return path.join(INTEROP_DIR, ...parts);
}

/** The first of `parts` paths that is missing, or undefined when all exist. */
export function missingInterop(...relativePaths: string[]): string | undefined {
  const wanted = relativePaths.length > 0 ? relativePaths.map((p) => interopPath(p)) : [INTEROP_DIR];
  return wanted.find((p) => !existsSync(p));
}

/**
 * A describe-title suffix and skip flag: `describe.skipIf(skip)(title + note, ...)`.
 * Logs why once, so a skipped run says which path it wanted.
 */
export function interopGate(...relativePaths: string[]): { skip: boolean; note: string } {
  const missing = missingInterop(...relativePaths);
  if (missing === undefined) return { skip: false, note: '' };
  console.warn(`skipping interop tests: ${missing} is absent`);
  return { skip: true, note: ` (skipped: ${missing} is absent)` };
}

export function readInteropJson(relativePath: string): unknown {
  return JSON.parse(readFileSync(interopPath(relativePath), 'utf8'));
}
