import { defineConfig } from 'vitest/config';
import { loadServiceEnv } from './test/support/service-env.js';

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
          globalSetup: ['test/support/global-setup.ts'],
          env: loadServiceEnv(),
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
