import { defineConfig } from 'vitest/config';

// Slow end-to-end tests are tagged by file name (*.e2e.test.ts) and run at a small size in CI.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'nodes/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // tests never read or write the user's conv tuning cache (~/.cache); the tests of the cache name their own file
    env: { NNUNET_CONV_TUNING: 'off' },
  },
});
