import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where ../shared/interop lives relative to the project root, and whether it is there. */
export const INTEROP = resolve(import.meta.dirname, '../../../shared/interop');
export const HAS_INTEROP = existsSync(INTEROP);
export const INTEROP_MISSING = `skipped: ${INTEROP} is absent (it ships beside the project in CI, not in a user's clone)`;

export function interopText(rel: string): string {
  return readFileSync(join(INTEROP, rel), 'utf8');
}

export function interopJson(rel: string): any {
  return JSON.parse(interopText(rel));
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'pylock-attest-test-'): { dir: string; file(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name: string, text: string): string {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
