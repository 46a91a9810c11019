import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['main/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/src/**/*.test.ts', 'tests/integration/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**', 'out/**'],
    // Native modules (sqlite3, serialport) and PTYs: separate processes, not worker threads.
    pool: 'forks',
    // Most suites wait on real things (database servers starting, PTYs, child processes), not on the
    // CPU: three files at a time keep a 2-core machine busy where the default (one per core) leaves it idle.
    maxWorkers: 3,
    // A focused test left in by mistake fails the run instead of silently skipping the rest.
    allowOnly: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    globalSetup: ['tests/setup/global.ts'],
  },
});
