/**
 * vitest setup (every test file): the cache key lives in the user's state
 * directory (io/cache-access.ts); tests must never read or write the real
 * one. Each worker gets a temporary PYLOCK_ATTEST_STATE_DIR, which library
 * calls read from process.env and CLI spawners pass on (run-cli.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!process.env['PYLOCK_ATTEST_STATE_DIR']) {
  const dir = mkdtempSync(join(tmpdir(), 'pylock-attest-state-'));
  process.env['PYLOCK_ATTEST_STATE_DIR'] = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}

/** The worker's state directory, for spawners that build a child's environment from scratch. */
export const TEST_STATE_ENV = { PYLOCK_ATTEST_STATE_DIR: process.env['PYLOCK_ATTEST_STATE_DIR'] };
