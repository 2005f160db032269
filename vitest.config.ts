import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['libs/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'packages/*/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    restoreMocks: true,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Lab tests share real hosts: files run one after another; tests inside a file run in order.
    fileParallelism: false,
    pool: 'forks',
  },
});
