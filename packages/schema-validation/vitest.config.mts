import { defineConfig } from 'vitest/config';

// Tests resolve workspace packages to their TypeScript source (the @lorakit/source condition), so a package's
// tests never depend on another package's stale dist/.
export default defineConfig({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/packages/schema-validation',
  resolve: { conditions: ['@lorakit/source'] },
  ssr: { resolve: { conditions: ['@lorakit/source'] } },
  test: {
    name: '@lorakit/schema-validation',
    watch: false,
    environment: 'node',
    include: ['src/**/*.{test,spec}.ts', 'test/**/*.{test,spec}.ts'],
    reporters: ['default'],
    testTimeout: 30000,
  },
});
