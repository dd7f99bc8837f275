#!/usr/bin/env node
// Writes docs/gateway-config.md, the gateway.yaml reference, from the schema data in
// packages/adapters/src/gateway/config/schema.ts (through the built package, so run
// `npm run build` or `node scripts/bootstrap.mjs` after changing the schema). With --check it
// only says whether the committed file is current (tests/gateway/config-docs.test.ts does the same).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'packages/adapters/dist/esm/gateway/index.js');
if (!existsSync(built)) {
  console.error('gen-config-docs: packages/adapters is not built; run node scripts/bootstrap.mjs first');
  process.exit(1);
}
const { renderConfigReference } = await import(pathToFileURL(built).href);
const target = join(root, 'docs/gateway-config.md');
const text = renderConfigReference();
if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('docs/gateway-config.md is stale: run node scripts/gen-config-docs.mjs');
    process.exit(1);
  }
  console.log('docs/gateway-config.md is current');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
