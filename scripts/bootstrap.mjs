#!/usr/bin/env node
// One idempotent set-up step behind `npm start`, `npm test`, `npm run bench`: install the
// workspace with the committed lock file, build the native core (release) and the TS packages.
// The native core is built with the `testing` cargo feature (test-only exports the tests and
// benches call) unless SWITCHYARD_NATIVE_FEATURES says otherwise: set it empty for the production
// build (see packages/node/build-native.mjs).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const env = { ...process.env, SWITCHYARD_NATIVE_FEATURES: process.env.SWITCHYARD_NATIVE_FEATURES ?? 'testing' };

function run(cmd, args, what) {
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`bootstrap: ${what} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  console.error(`bootstrap: ${what} done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

const pnpm = ['-y', 'pnpm@10'];
const frozen = process.env.CI ? ['--frozen-lockfile'] : ['--prefer-offline'];
run('npx', [...pnpm, 'install', ...frozen], 'pnpm install');
run('npx', [...pnpm, '-r', '--workspace-concurrency=1', 'run', 'build'], 'build (native core + TS packages)');
