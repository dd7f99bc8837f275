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
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  'x86_64-unknown-linux-musl': { tool: 'musl-gcc', apt: 'musl-tools', wrap: 'musl-gcc-static-unwind' },
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

/**
 * Rust links a musl cdylib (built with `-crt-static`, as napi-rs does) against `libgcc_s` for
 * unwinding (the addon keeps `panic = "unwind"` to turn a panic into a JS error). Debian's
 * musl-tools has no musl `libgcc_s`, so this wrapper links gcc's static unwinder instead
 * (`libgcc_eh.a`, which needs only `dl_iterate_phdr` from the libc, and musl has it): the addon
 * then needs nothing but musl's libc, which every Alpine has.
 */
function linkerWrapper(cross) {
  const dir = join(root, 'target', 'cross');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, cross.wrap);
  const script = `#!/bin/sh
# Written by scripts/build-targets.mjs: ${cross.tool} with gcc's static unwinder for libgcc_s.
for arg do
  shift
  if [ "$arg" = "-lgcc_s" ]; then set -- "$@" -lgcc_eh -lgcc; else set -- "$@" "$arg"; fi
done
exec ${cross.tool} "$@"
`;
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return file;
}

/** Builds one target into artifacts/ (cargo makes this a no-op when nothing changed). */
export function buildTarget(triple) {
  const cross = CROSS[triple];
  if (!cross) throw new Error(`build-targets: ${triple} cannot be built on this machine (see the release workflow)`);
  // `--strip` (napi's `-C link-arg=-s`) left the symbol table in place here (`file` said "not
  // stripped"); cargo's own strip setting removes it whatever the linker does.
  const env = { SWITCHYARD_NATIVE_FEATURES: '', CARGO_PROFILE_RELEASE_STRIP: 'symbols' };
  if (cross.tool) {
    if (!onPath(cross.tool)) {
      console.error(`build-targets: ${triple} needs ${cross.tool} (apt-get install ${cross.apt})`);
      process.exit(1);
    }
    const key = triple.replaceAll('-', '_');
    env[`CARGO_TARGET_${key.toUpperCase()}_LINKER`] = cross.wrap ? linkerWrapper(cross) : cross.tool;
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
      // napi's type-def cache stays on: without it napi forces cargo to rebuild on every call.
    ],
    env,
  );
}

/**
 * `napi artifacts`: copies every switchyard.<target>.node of artifacts/ into npm/<target>/. It
 * insists on an artifact for every configured target, and this machine builds three of seven; so
 * it gets a config (`--config-path`, the package's `napi` config) narrowed to the built ones.
 */
export function copyArtifacts() {
  const manifest = JSON.parse(readFileSync(join(nodePkg, 'package.json'), 'utf8'));
  const built = new Set(readdirSync(artifactsDir).filter((f) => f.endsWith('.node')));
  const targets = manifest.napi.targets.filter((triple) =>
    built.has(`${manifest.napi.binaryName}.${suffix(triple)}.node`),
  );
  const config = join(artifactsDir, 'napi.config.json');
  writeFileSync(config, `${JSON.stringify({ ...manifest.napi, targets }, null, 2)}\n`);
  run(process.execPath, [
    napi,
    'artifacts',
    '--config-path',
    config,
    '--output-dir',
    artifactsDir,
    '--npm-dir',
    join(nodePkg, 'npm'),
  ]);
  // napi artifacts also drops a copy beside package.json, for napi's generated loader; this
  // package's loader (native.cjs) never reads it, and `files` would not ship it: remove it.
  for (const file of readdirSync(nodePkg)) {
    if (file.startsWith(`${manifest.napi.binaryName}.`) && file.endsWith('.node') && built.has(file))
      rmSync(join(nodePkg, file));
  }
}

/** The napi-rs platform suffix of a target triple (what `napi build --platform` names files by). */
function suffix(triple) {
  const [arch, , os, abi] = triple.split('-');
  const cpu = { x86_64: 'x64', aarch64: 'arm64' }[arch] ?? arch;
  if (os === 'linux') return `linux-${cpu}-${abi}`;
  if (os === 'windows') return `win32-${cpu}-${abi}`;
  return `${os === 'darwin' ? 'darwin' : os}-${cpu}`;
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
