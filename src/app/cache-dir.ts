import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The user cache dir by platform convention: XDG on Linux, ~/Library/Caches on macOS, LOCALAPPDATA on Windows. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['PYLOCK_ATTEST_CACHE_DIR']) return env['PYLOCK_ATTEST_CACHE_DIR'];
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'pylock-attest');
  if (platform === 'win32') return join(localAppData(env), 'pylock-attest', 'Cache');
  return join(xdg(env, 'XDG_CACHE_HOME', '.cache'), 'pylock-attest');
}

/**
 * Where the cache key lives (io/cache-access.ts): the user's state dir, never
 * inside the cache dir, so a cache restored from elsewhere comes without it.
 * XDG_STATE_HOME (~/.local/state) on Linux, Application Support on macOS,
 * LOCALAPPDATA beside the cache on Windows; $PYLOCK_ATTEST_STATE_DIR overrides.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['PYLOCK_ATTEST_STATE_DIR']) return env['PYLOCK_ATTEST_STATE_DIR'];
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'pylock-attest');
  if (platform === 'win32') return join(localAppData(env), 'pylock-attest', 'State');
  return join(xdg(env, 'XDG_STATE_HOME', join('.local', 'state')), 'pylock-attest');
}

/** An XDG base directory: the variable when it holds an absolute path (the spec says to ignore a relative one), else its default under home. */
function xdg(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  return value && isAbsolute(value) ? value : join(homedir(), fallback);
}

function localAppData(env: NodeJS.ProcessEnv): string {
  return env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local');
}
