import { defineConfig } from 'vitest/config';
import { loadServiceEnv } from './test/support/service-env.js';

// Integration files run in parallel against shared servers. A file that changes a server for
// everyone (purging MariaDB's binlogs) is `*.exclusive.test.ts`: its project runs after the
// others have finished (groupOrder), one file at a time.
const EXCLUSIVE = 'test/integration/**/*.exclusive.test.ts';
const integration = {
  globalSetup: ['test/support/global-setup.ts'],
  env: loadServiceEnv(),
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['libs/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [EXCLUSIVE],
          ...integration,
        },
      },
      {
        test: {
          name: 'exclusive',
          include: [EXCLUSIVE],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          ...integration,
        },
      },
    ],
  },
});
