#!/usr/bin/env node
// The `switchyard` command (see `switchyard --help`): runs the built CLI of @switchyard/adapters.
import { main } from '../dist/esm/proxy/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`switchyard: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
