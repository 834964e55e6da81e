import { defineConfig } from 'vitest/config';

// Lets `npx vitest run` run every project in one process (used by `npm test`).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.mts', 'apps/*/vitest.config.mts'],
  },
});
