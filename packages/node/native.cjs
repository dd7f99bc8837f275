'use strict';
// Says where a native addon may be found, in order, and how to load each; it decides nothing.
// Kept as plain CommonJS so that both builds reach it through the package's "#native" import, at
// a path that does not depend on the build. The policy (handshake, fallback, warning or throw)
// lives in src/implementation.ts, which tries the candidates in this order:
//
// 1. SWITCHYARD_NATIVE_PATH, when set: an explicit request for one build beats every guess.
// 2. ./switchyard.node, the local build of a source checkout (scripts/bootstrap.mjs makes it, with
//    the `testing` feature). The published tarball never holds it (package.json `files`), so for
//    an installed package this step does not exist. In a checkout it goes before the platform
//    package because it is built from the sources beside it, while the platform package's folder
//    (npm/<target>, linked by the workspace) may hold an older binary of the same version that
//    the handshake cannot tell apart.
// 3. The platform package, @switchyard/node-<target> (an optionalDependency; npm installs the one
//    whose os/cpu/libc fit).
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const requested = process.env.SWITCHYARD_IMPLEMENTATION;
const packageVersion = require('./package.json').version;

/** `gnu` or `musl` on Linux (as napi-rs names targets), `null` elsewhere. */
function linuxLibc() {
  try {
    // Reading ldd is cheap and answers on every common distribution.
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl') ? 'musl' : 'gnu';
  } catch {
    const header = process.report?.getReport?.().header;
    return header?.glibcVersionRuntime ? 'gnu' : 'musl';
  }
}

/** The napi-rs target suffix of this process: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`... */
function targetOf(platform, arch) {
  if (platform === 'linux') return `linux-${arch}-${linuxLibc()}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const target = targetOf(process.platform, process.arch);
const candidates = [];
const explicit = process.env.SWITCHYARD_NATIVE_PATH;
if (explicit !== undefined && explicit !== '') {
  candidates.push({ label: `SWITCHYARD_NATIVE_PATH=${explicit}`, load: () => require(explicit) });
}
const local = join(__dirname, 'switchyard.node');
if (existsSync(local)) {
  candidates.push({ label: `the local build ${local}`, load: () => require(local) });
}
const platformPackage = `@switchyard/node-${target}`;
candidates.push({ label: `the platform package ${platformPackage}`, load: () => require(platformPackage) });

module.exports = { candidates, requested, packageVersion, target, platformPackage };
