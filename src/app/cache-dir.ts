import { homedir } from 'node:os';
import { join } from 'node:path';

/** The user cache dir by platform convention: XDG on Linux, ~/Library/Caches on macOS, LOCALAPPDATA on Windows. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['PYLOCK_ATTEST_CACHE_DIR']) return env['PYLOCK_ATTEST_CACHE_DIR'];
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'pylock-attest');
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'pylock-attest', 'Cache');
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'pylock-attest');
}
