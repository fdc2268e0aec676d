import type { CliContext } from './context.js';
import type { ArgsOf, CommandName } from './options.js';

/** A command's runner: its typed arguments (from the options table) in, an exit code out. Only bin/ exits. */
export type CommandRunner<C extends CommandName> = (args: ArgsOf<C>, ctx: CliContext) => Promise<number>;

/**
 * Each command's runner, loaded only when that command runs, so `--help`
 * and the other commands never load its dependencies.
 */
export const RUNNERS: { [C in CommandName]: () => Promise<CommandRunner<C>> } = {
  enrich: async () => (await import('./run-enrich.js')).runEnrich,
  refresh: async () => (await import('./run-refresh.js')).runRefresh,
  check: async () => (await import('./run-check.js')).runCheck,
  diff: async () => (await import('./run-diff.js')).runDiff,
  lock: async () => (await import('./run-lock.js')).runLock,
  explain: async () => (await import('./run-explain.js')).runExplain,
};
