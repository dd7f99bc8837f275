#!/usr/bin/env node
// The `switchyard` command (see `switchyard --help`): runs the built CLI of @switchyard/adapters.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The serving process is ours: its V8 is set for a proxy (proxy/v8-flags.ts says why), before
// the gateway's code runs. Workers of `serve --workers` start here too.
if (process.argv[2] === 'serve') require('../dist/cjs/proxy/v8-flags.js').applyServeV8Flags();

// The CLI lives in the CommonJS build, the one copy of the package's code (scripts/build-ts.mjs).
const { main } = require('../dist/cjs/proxy/cli.js');

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`switchyard: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
