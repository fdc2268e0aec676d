/**
 * vitest setup, run before every test file (also when files share a worker):
 * the cache key lives in the user's state directory (io/cache-access.ts), and
 * tests must never read or write the real one. Each test file gets a
 * temporary PYLOCK_ATTEST_STATE_DIR of its own, removed after it, which
 * library calls read from process.env and CLI spawners pass on
 * (run-cli.ts `stateEnv`): what one file does to its state directory (a key
 * made unreadable, chowned, replaced by a link) never reaches another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'pylock-attest-state-'));
process.env['PYLOCK_ATTEST_STATE_DIR'] = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
