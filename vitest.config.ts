import { defineConfig } from 'vitest/config';

// Slow end-to-end tests are tagged by file name (*.e2e.test.ts) and run at a small size in CI.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'nodes/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
