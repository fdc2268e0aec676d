import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A temporary state directory (the cache key) per worker: never the user's own.
    setupFiles: ['test/support/isolate-state.ts'],
    // Under CI, also write a machine-readable report; .ci/run turns it into
    // the plain "N passed, N failed" closing line.
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    ...(process.env['CI'] ? { outputFile: { json: '.ci/test-results.json' } } : {}),
  },
});
