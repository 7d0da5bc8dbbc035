import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster tier has its own config (a real kube-apiserver started by a global setup).
    exclude: ['test/cluster/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only add contention.
    maxWorkers: 2,
  },
});
