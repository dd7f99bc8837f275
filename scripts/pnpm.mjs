#!/usr/bin/env node
// Runs pnpm 10 through npx: corepack cannot verify signatures on these machines, and a global
// pnpm is not something a fresh clone can count on.
import { spawnSync } from 'node:child_process';

const result = spawnSync('npx', ['-y', 'pnpm@10', ...process.argv.slice(2)], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
process.exit(result.status ?? 1);
