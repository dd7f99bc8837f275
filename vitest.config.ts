import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Subpaths first: an alias also matches as a prefix, so `@switchyard/adapters` would
    // swallow `@switchyard/adapters/gateway`.
    alias: [
      {
        find: '@switchyard/adapters/gateway',
        replacement: fileURLToPath(new URL('./packages/adapters/src/gateway/index.ts', import.meta.url)),
      },
      {
        find: '@switchyard/adapters/express',
        replacement: fileURLToPath(new URL('./packages/adapters/src/express/index.ts', import.meta.url)),
      },
      {
        find: '@switchyard/adapters/fastify',
        replacement: fileURLToPath(new URL('./packages/adapters/src/fastify/index.ts', import.meta.url)),
      },
      { find: '@switchyard/core', replacement: src('core') },
      { find: '@switchyard/node', replacement: src('node') },
      { find: '@switchyard/adapters', replacement: src('adapters') },
    ],
  },
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
