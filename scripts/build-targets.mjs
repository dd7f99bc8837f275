#!/usr/bin/env node
// `npm run build:targets [-- triple...]`: the production (no `testing` feature), stripped native
// core for each target that this Linux x64 machine can build, the napi-rs way:
// `napi build --platform --strip --target T` into packages/node/artifacts/, then `napi artifacts`,
// which copies each switchyard.<target>.node into its platform package, packages/node/npm/<target>/.
//
// Targets: x86_64-unknown-linux-gnu (native), x86_64-unknown-linux-musl (needs Debian's
// musl-tools for musl-gcc) and aarch64-unknown-linux-gnu (needs gcc-aarch64-linux-gnu), each also
// needing `rustup target add`. Only the x64 ones can be run here; the others are checked with
// `file`/`readelf`. darwin, win32 and linux-arm64-musl are built by .github/workflows/release.yml only.
// Not part of `npm test` (the system packages are not needed for it); scripts/release-check.mjs
// builds the host target alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodePkg = join(root, 'packages', 'node');
const require = createRequire(join(nodePkg, 'package.json'));
const napi = join(dirname(require.resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js');

/** Linker (and C compiler) per cross target: what Debian's cross packages install. */
const CROSS = {
  'x86_64-unknown-linux-gnu': {},
  'x86_64-unknown-linux-musl': { tool: 'musl-gcc', apt: 'musl-tools' },
  'aarch64-unknown-linux-gnu': { tool: 'aarch64-linux-gnu-gcc', apt: 'gcc-aarch64-linux-gnu' },
};

export const artifactsDir = join(nodePkg, 'artifacts');

function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, { cwd: nodePkg, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`build-targets: ${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

const onPath = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** Builds one target into artifacts/ (cargo makes this a no-op when nothing changed). */
export function buildTarget(triple) {
  const cross = CROSS[triple];
  if (!cross) throw new Error(`build-targets: ${triple} cannot be built on this machine (see the release workflow)`);
  const env = { SWITCHYARD_NATIVE_FEATURES: '' };
  if (cross.tool) {
    if (!onPath(cross.tool)) {
      console.error(`build-targets: ${triple} needs ${cross.tool} (apt-get install ${cross.apt})`);
      process.exit(1);
    }
    const key = triple.replaceAll('-', '_');
    env[`CARGO_TARGET_${key.toUpperCase()}_LINKER`] = cross.tool;
    env[`CC_${key}`] = cross.tool;
  }
  mkdirSync(artifactsDir, { recursive: true });
  run(
    process.execPath,
    [
      napi,
      'build',
      '--release',
      '--strip',
      '--platform',
      '--target',
      triple,
      '--manifest-path',
      join(root, 'crates', 'switchyard-napi', 'Cargo.toml'),
      '--output-dir',
      artifactsDir,
      '--no-js',
      '--no-dts-cache',
    ],
    env,
  );
}

/** `napi artifacts`: copies every switchyard.<target>.node of artifacts/ into npm/<target>/. */
export function copyArtifacts() {
  run(process.execPath, [napi, 'artifacts', '--output-dir', artifactsDir, '--npm-dir', join(nodePkg, 'npm')]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(CROSS);
  for (const triple of targets) buildTarget(triple);
  copyArtifacts();
  for (const dir of readdirSync(join(nodePkg, 'npm'))) {
    const built = readdirSync(join(nodePkg, 'npm', dir)).filter((f) => f.endsWith('.node'));
    console.error(`build-targets: npm/${dir}: ${built.join(', ') || '(none: built by the release workflow)'}`);
  }
  if (!existsSync(artifactsDir)) process.exit(1);
}
