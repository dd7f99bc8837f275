import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Exact-match patterns: a plain '@switchyard/core' key would also rewrite the prefix of
    // '@switchyard/core/internal' into a path under index.ts.
    alias: [
      { find: /^@switchyard\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@switchyard\/core\/internal$/, replacement: src('core/src/internal.ts') },
      { find: /^@switchyard\/node$/, replacement: src('node/src/index.ts') },
      { find: /^@switchyard\/adapters$/, replacement: src('adapters/src/index.ts') },
      { find: /^@switchyard\/adapters\/gateway$/, replacement: src('adapters/src/gateway/index.ts') },
      { find: /^@switchyard\/adapters\/proxy$/, replacement: src('adapters/src/proxy/index.ts') },
      { find: /^@switchyard\/adapters\/express$/, replacement: src('adapters/src/express/index.ts') },
      { find: /^@switchyard\/adapters\/fastify$/, replacement: src('adapters/src/fastify/index.ts') },
      { find: /^@switchyard\/adapters\/observe$/, replacement: src('adapters/src/observe/index.ts') },
    ],
  },
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
