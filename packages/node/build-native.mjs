#!/usr/bin/env node
// Builds the native core from source (release) with napi-rs and places it at ./switchyard.node,
// where native.cjs looks for it. Nothing prebuilt is downloaded.
//
// SWITCHYARD_NATIVE_FEATURES: cargo features of the addon, separated by commas or spaces. Unset
// or empty is the production build; scripts/bootstrap.mjs (behind `npm test`, `npm run bench`,
// `npm start`) sets `testing`, which adds the test-only exports (noop, panicForTest, probes).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const napi = join(dirname(require.resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js');
const outDir = join(here, 'target-napi');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const args = [
  napi,
  'build',
  '--release',
  '--manifest-path',
  join(here, '..', '..', 'crates', 'switchyard-napi', 'Cargo.toml'),
  '--output-dir',
  outDir,
  '--no-js',
];
const features = (process.env.SWITCHYARD_NATIVE_FEATURES ?? '').split(/[\s,]+/).filter(Boolean);
if (features.length > 0) args.push('--features', features.join(' '));
console.error(`build-native: cargo features: ${features.join(', ') || 'none (production build)'}`);
const status = await new Promise((resolve) => {
  const child = spawn(process.execPath, args, { cwd: here, stdio: ['inherit', 'inherit', 'pipe'] });
  // napi-rs warns that it generates no type definitions: on purpose (see the crate's Cargo.toml,
  // `napi-derive` without `type-def`), so that line is left out; cargo's progress passes through.
  let pending = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (!/type-def` feature is not enabled/.test(line)) process.stderr.write(`${line}\n`);
  });
  child.on('close', (code) => {
    if (pending) process.stderr.write(pending);
    resolve(code);
  });
});
if (status !== 0) process.exit(status ?? 1);
const built = readdirSync(outDir).filter((f) => f.endsWith('.node'));
if (built.length !== 1) {
  console.error(`build-native: expected one .node file in ${outDir}, found ${built.join(', ') || 'none'}`);
  process.exit(1);
}
copyFileSync(join(outDir, built[0]), join(here, 'switchyard.node'));
rmSync(outDir, { recursive: true, force: true });
