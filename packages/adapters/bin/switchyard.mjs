#!/usr/bin/env node
// The `switchyard` command (see `switchyard --help`): runs the built CLI of @switchyard/adapters.
import { createRequire } from 'node:module';

// The CLI lives in the CommonJS build, the one copy of the package's code (scripts/build-ts.mjs).
const { main } = createRequire(import.meta.url)('../dist/cjs/proxy/cli.js');

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`switchyard: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
