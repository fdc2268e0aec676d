import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, because they run whole toolchains (pip and a venv, pre-commit
 * installing the hook with npm, npm pack) or dozens of CLI processes. Started first, so that
 * none of them is still running alone at the end. vitest orders by the last run's durations
 * when it has them, but a fresh clone (CI) has none; then it would go by file size.
 */
const LONGEST_FIRST = [
  'test/wheel.test.ts',
  'test/precommit.test.ts',
  'test/cli-ux.test.ts',
  'test/cache-trust.test.ts',
  'test/adversarial/adversarial.test.ts',
  'test/pack.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
      return at === -1 ? LONGEST_FIRST.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b)); // stable: the rest keep vitest's order
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ (incrementally) before any file runs: the CLI the tests spawn is always this source's.
    globalSetup: ['test/support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores (one, on two cores), but most test time
    // is spent waiting for the processes a test spawns (the CLI, pip, npm, git), which run on
    // their own: two workers more than the cores keep them busy (docs/decisions.md has the times).
    maxWorkers: availableParallelism() + 2,
    // A worker runs file after file (a fresh process per file cost about 0.4 s of CPU each, plus
    // importing sigstore and the test support again). Tests use no mocks and no module state;
    // what a file changes in its process is its own to undo (proxy variables), and its state
    // directory is its own (test/support/isolate-state.ts).
    isolate: false,
    sequence: { sequencer: LongestFirst },
    // A temporary state directory (the cache key) per test file: never the user's own.
    setupFiles: ['test/support/isolate-state.ts'],
    // Under CI, also write a machine-readable report; .ci/run turns it into
    // the plain "N passed, N failed" closing line.
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    ...(process.env['CI'] ? { outputFile: { json: '.ci/test-results.json' } } : {}),
  },
});
