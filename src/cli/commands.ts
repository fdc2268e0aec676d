import type { CliIO } from './main.js';
import type { CommandName } from './options.js';

export type CommandRunner = (args: Record<string, unknown>, io: CliIO) => Promise<number>;

/**
 * Each command's runner, loaded only when that command runs, so `--help`
 * and the other commands never load its dependencies.
 */
export const RUNNERS: Record<CommandName, () => Promise<CommandRunner>> = {
  enrich: async () => (await import('./run-enrich.js')).runEnrich,
  refresh: async () => (await import('./run-refresh.js')).runRefresh,
  check: async () => (await import('./run-check.js')).runCheck,
  diff: async () => (await import('./run-diff.js')).runDiff,
  lock: async () => (await import('./run-lock.js')).runLock,
};
