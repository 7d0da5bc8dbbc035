// The cluster tier: tests against a real kube-apiserver + etcd 3.6, kube-controller-manager,
// kube-scheduler and kwok, started once by the global setup (which builds them if they are missing).
//
//   npx vitest run --config test/cluster/vitest.cluster.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  test: {
    root,
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/harness/global-setup.ts'],
    // One control plane, shared: run test files one after another, tests in order.
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { concurrent: false },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
