#!/usr/bin/env node
// `npm run bench [suite...]`: runs the benchmark suites (bench/<suite>/index.mjs, each exporting
// `run()`), one after another in this one process. With no argument, all of them.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './lib.mjs';

const all = readdirSync(join(root, 'bench'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'bench', d.name, 'index.mjs')))
  .map((d) => d.name);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length > 0 ? wanted : all;
for (const suite of suites) {
  if (!all.includes(suite)) {
    console.error(`unknown suite ${suite}; have: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n### bench/${suite}`);
  const mod = await import(pathToFileURL(join(root, 'bench', suite, 'index.mjs')).href);
  await mod.run();
}
