import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**'],
    restoreMocks: true,
    hookTimeout: 300_000,
    // Lab tests share real hosts: files run one after another; tests inside a file run in order.
    fileParallelism: false,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'packages/*/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.lab.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        // A lab test builds, deploys and breaks real hosts: it is given the time a slow machine of
        // this kind needs (they differ by up to 3x; `lab down` then `lab up` took 23-63 s).
        extends: true,
        test: {
          name: 'lab',
          include: ['libs/*/src/**/*.lab.test.ts', 'tools/*/src/**/*.lab.test.ts', 'packages/*/**/*.lab.test.ts'],
          testTimeout: 300_000,
        },
      },
    ],
  },
});
