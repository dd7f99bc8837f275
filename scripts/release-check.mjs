#!/usr/bin/env node
// `npm run release-check` (also run by `npm test`): proves that `npm install` of the packed
// packages works for a user, outside this workspace and without Rust.
//
// 1. Builds the production, stripped native core for this host (linux-x64-gnu) with
//    `napi build --platform --strip` and puts it into its platform package with `napi artifacts`
//    (cargo makes this a no-op when nothing changed).
// 2. Packs every package with pnpm (which rewrites `workspace:*` to versions).
// 3. Installs the tarballs with npm into two fresh apps in the temp dir, with a PATH without
//    cargo: app "express" (all optional dependencies; Express, no Fastify) and app "fastify"
//    (`--omit=optional`, so no platform package; Fastify, no Express).
// 4. Runs there: ESM and CJS smoke programs over every export of every entry point (each value
//    the same object both ways, errors `instanceof` across both), a strict TypeScript consumer
//    (nodenext and bundler), `implementation === 'native'` from the platform package, the
//    fallback with its one warning, the `switchyard` bin (`--help`, `check`), and each framework
//    adapter loading without the other framework.
//
// Prints one line per check (`ok` / `FAILED`), the tarball sizes, and last `release-check: N passed,
// N failed` (scripts/test.mjs adds these to its totals). Exit code is non-zero on any failure.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTarget, copyArtifacts } from './build-targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const started = Date.now();
let passed = 0;
let failed = 0;

function check(name, fn) {
  try {
    const detail = fn();
    passed += 1;
    console.log(`  ok      ${name}${detail ? ` (${detail})` : ''}`);
  } catch (error) {
    failed += 1;
    console.log(
      `  FAILED  ${name}\n          ${String(error?.message ?? error)
        .split('\n')
        .join('\n          ')}`,
    );
  }
}

function sh(cmd, args, { cwd = root, env = process.env, allowFail = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (!allowFail && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${out.slice(-3000)}`);
  }
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', out };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// --- 1. the host's platform binary -------------------------------------------------------------
const host = `${process.platform}-${process.arch}`;
if (host !== 'linux-x64') {
  console.log(`release-check: runs on linux-x64 only (this is ${host}); the release workflow covers the rest`);
  console.log('release-check: 0 passed, 1 failed');
  process.exit(1);
}
const hostTarget = 'linux-x64-gnu';
console.log('release-check: napi build --release --strip --platform --target x86_64-unknown-linux-gnu');
buildTarget('x86_64-unknown-linux-gnu');
copyArtifacts();

// --- 2. pack ------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'switchyard-release-'));
const packDir = join(work, 'tarballs');
mkdirSync(packDir);
const pnpm = join(root, 'scripts', 'pnpm.mjs');
const nodeNpm = join(root, 'packages', 'node', 'npm');
const packages = [
  join(root, 'packages', 'core'),
  join(root, 'packages', 'node'),
  join(root, 'packages', 'adapters'),
  ...readdirSync(nodeNpm).map((d) => join(nodeNpm, d)),
];
const tarballs = {};
for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const before = new Set(readdirSync(packDir));
  sh(process.execPath, [pnpm, 'pack', '--pack-destination', packDir], { cwd: dir });
  const made = readdirSync(packDir).filter((f) => !before.has(f));
  assert(made.length === 1, `pnpm pack in ${dir} made ${made.join(', ') || 'nothing'}`);
  tarballs[manifest.name] = join(packDir, made[0]);
}
const platformPackages = Object.keys(tarballs).filter((n) => n.startsWith('@switchyard/node-'));
const hostPackage = `@switchyard/node-${hostTarget}`;

const listing = (name) => sh('tar', ['-tzf', tarballs[name]]).stdout.split('\n').filter(Boolean);
const packedManifest = (name) => JSON.parse(sh('tar', ['-xzOf', tarballs[name], 'package/package.json']).stdout);

console.log('\nrelease-check: tarballs');
check('packed manifests have no workspace: ranges, and list the platform packages as optional', () => {
  for (const name of Object.keys(tarballs)) {
    const text = JSON.stringify(packedManifest(name));
    assert(!text.includes('workspace:'), `${name}: ${text.match(/"[^"]*":"workspace:[^"]*"/)?.[0]}`);
  }
  const optional = Object.keys(packedManifest('@switchyard/node').optionalDependencies ?? {}).sort();
  assert(JSON.stringify(optional) === JSON.stringify(platformPackages.sort()), `optionalDependencies: ${optional}`);
  return `${Object.keys(tarballs).length} tarballs`;
});
check('each package ships README.md, LICENSE and its dist; @switchyard/node ships no binary itself', () => {
  for (const name of ['@switchyard/core', '@switchyard/node', '@switchyard/adapters']) {
    const files = listing(name);
    for (const f of [
      'package/README.md',
      'package/LICENSE',
      'package/dist/cjs/index.js',
      'package/dist/esm/index.d.ts',
    ])
      assert(files.includes(f), `${name} lacks ${f}`);
  }
  const nodeFiles = listing('@switchyard/node');
  assert(
    !nodeFiles.some((f) => f.endsWith('.node')),
    `@switchyard/node ships ${nodeFiles.filter((f) => f.endsWith('.node'))}`,
  );
});
check(`${hostPackage} holds the stripped binary, with os/cpu/libc`, () => {
  const manifest = packedManifest(hostPackage);
  assert(
    JSON.stringify([manifest.os, manifest.cpu, manifest.libc]) === '[["linux"],["x64"],["glibc"]]',
    `os/cpu/libc: ${JSON.stringify([manifest.os, manifest.cpu, manifest.libc])}`,
  );
  const binary = join(root, 'packages', 'node', 'npm', hostTarget, manifest.main);
  assert(listing(hostPackage).includes(`package/${manifest.main}`), `the tarball lacks ${manifest.main}`);
  const info = sh('file', ['-b', binary]).stdout.trim();
  assert(/stripped/.test(info) && !/not stripped/.test(info), `not stripped: ${info}`);
  const glibc = [...sh('objdump', ['-T', binary]).stdout.matchAll(/GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)]
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
    .pop();
  return `stripped; needs glibc >= ${glibc ? glibc.filter((n, i) => i < 2 || n > 0).join('.') : '?'}`;
});
console.log('  sizes:');
for (const [name, file] of Object.entries(tarballs)) {
  const size = statSync(file).size;
  console.log(`    ${name.padEnd(34)} ${(size / 1024).toFixed(1).padStart(8)} kB  ${file.split('/').pop()}`);
}

// --- 3. install into fresh apps ----------------------------------------------------------------
// A PATH without cargo or rustc: what a user without Rust has.
const rustless = process.env.PATH.split(delimiter)
  .filter((dir) => !['cargo', 'rustc'].some((tool) => existsSync(join(dir, tool))))
  .join(delimiter);
const env = {
  ...process.env,
  PATH: rustless,
  // Nothing of this workspace may leak into the apps.
  SWITCHYARD_IMPLEMENTATION: '',
  SWITCHYARD_NATIVE_PATH: '',
  NODE_OPTIONS: '',
  npm_config_update_notifier: 'false',
};
const typesNode = JSON.parse(readFileSync(require.resolve('@types/node/package.json'), 'utf8')).version;
const typescript = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const frameworkVersion = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

function makeApp(name, framework, omitOptional) {
  const dir = join(work, `app-${name}`);
  mkdirSync(dir);
  const file = (pkg) => `file:${tarballs[pkg]}`;
  // Every @switchyard package comes from its tarball, also where another package depends on it
  // by version, so that nothing is looked up in the registry under these names.
  const overrides = Object.fromEntries(Object.keys(tarballs).map((pkg) => [pkg, file(pkg)]));
  const manifest = {
    name: `switchyard-release-check-${name}`,
    private: true,
    version: '0.0.0',
    dependencies: {
      '@switchyard/adapters': file('@switchyard/adapters'),
      '@switchyard/core': file('@switchyard/core'),
      '@switchyard/node': file('@switchyard/node'),
      '@types/node': typesNode,
      [framework]: frameworkVersion(framework),
      // Express 5 ships no types; a TypeScript user of the Express adapter installs them.
      ...(framework === 'express' ? { '@types/express': frameworkVersion('@types/express') } : {}),
    },
    overrides,
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts'];
  if (omitOptional) args.push('--omit=optional');
  const t = Date.now();
  sh('npm', args, { cwd: dir, env });
  console.log(`  npm ${args.join(' ')} in ${dir}: ${((Date.now() - t) / 1000).toFixed(1)}s`);
  return dir;
}

console.log(`\nrelease-check: installing into fresh apps under ${work} (PATH without cargo)`);
check('the apps PATH has no cargo', () => {
  const r = sh('sh', ['-c', 'command -v cargo || command -v rustc'], { env, allowFail: true });
  assert(r.status !== 0, `found ${r.stdout.trim()}`);
});
let appExpress;
let appFastify;
check('npm install of the tarballs (app with Express, all optional dependencies)', () => {
  appExpress = makeApp('express', 'express', false);
});
check('npm install --omit=optional of the tarballs (app with Fastify)', () => {
  appFastify = makeApp('fastify', 'fastify', true);
});
if (!appExpress || !appFastify) finish();

const run = (dir, args, extraEnv = {}) => sh(process.execPath, args, { cwd: dir, env: { ...env, ...extraEnv } });

// --- 4. what a user does -------------------------------------------------------------------------
const ENTRIES = [
  '@switchyard/core',
  '@switchyard/node',
  '@switchyard/adapters',
  '@switchyard/adapters/gateway',
  '@switchyard/adapters/proxy',
  '@switchyard/adapters/express',
  '@switchyard/adapters/fastify',
];
const SMOKE = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const entries = ${JSON.stringify(ENTRIES)};
let names = 0;
for (const entry of entries) {
  const esm = await import(entry);
  const cjs = require(entry);
  const esmNames = Object.keys(esm).filter((k) => k !== 'default' && k !== 'module.exports').sort();
  const cjsNames = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule').sort();
  if (JSON.stringify(esmNames) !== JSON.stringify(cjsNames))
    throw new Error(entry + ': import and require export different names: ' + esmNames + ' / ' + cjsNames);
  if (esmNames.length === 0) throw new Error(entry + ' exports nothing');
  for (const name of esmNames) {
    if (!(name in esm)) throw new Error(entry + ': ' + name + ' is missing from the ES module');
    if (esm[name] !== cjs[name]) throw new Error(entry + ': ' + name + ' differs between import and require');
    names += 1;
  }
  if ('default' in cjs && esm.default !== cjs.default) throw new Error(entry + ': default differs');
}
const esm = await import('@switchyard/node');
const cjs = require('@switchyard/node');
const core = require('@switchyard/core');
const router = new esm.Router();
router.add({ method: 'GET', path: '/users/:id' }, 'user');
const m = router.match({ method: 'GET', path: '/users/42' });
if (m?.value !== 'user' || m.params.id !== '42') throw new Error('match: ' + JSON.stringify(m));
let thrown;
try { new cjs.Router().add({ path: '/a/:x(' }, 1); } catch (e) { thrown = e; }
if (!(thrown instanceof esm.InvalidRouteError) || !(thrown instanceof core.SwitchyardError) || thrown.code !== 'SWITCHYARD_INVALID_ROUTE')
  throw new Error('an error thrown through require is not instanceof the imported class: ' + thrown);
if (!(new esm.Router() instanceof cjs.Router)) throw new Error('Router differs');
const limiter = new esm.RateLimiter({ capacity: 2, refillPerSecond: 1 });
if (!limiter.take('k', 0).allowed) throw new Error('RateLimiter');
if (typeof new esm.ConsistentHash(['a', 'b'], { algorithm: 'maglev' }).pick('x') !== 'string') throw new Error('ConsistentHash');
const gw = await import('@switchyard/adapters/gateway');
if (typeof gw.loadConfig !== 'function') throw new Error('gateway.loadConfig');
console.log(JSON.stringify({ names, implementation: esm.implementation }));
`;

console.log('\nrelease-check: in the apps');
writeFileSync(join(appExpress, 'smoke.mjs'), SMOKE);
writeFileSync(join(appFastify, 'smoke.mjs'), SMOKE);
check('ESM + CJS smoke over every export of every entry point; one class identity (instanceof across both)', () => {
  const r = run(appExpress, ['smoke.mjs']);
  const { names, implementation } = JSON.parse(r.stdout.trim().split('\n').pop());
  assert(implementation === 'native', `implementation ${implementation}`);
  return `${names} exports over ${ENTRIES.length} entry points`;
});
check('CJS-only program (require) uses every entry point', () => {
  const cjs = `
    const entries = ${JSON.stringify(ENTRIES)};
    let n = 0;
    for (const e of entries) n += Object.keys(require(e)).length;
    const { Router, InvalidRouteError } = require('@switchyard/core');
    try { new Router().add({ path: '/a/:x(' }, 1); process.exit(1); } catch (e) { if (!(e instanceof InvalidRouteError)) process.exit(2); }
    console.log(n);`;
  writeFileSync(join(appExpress, 'smoke.cjs'), cjs);
  return `${run(appExpress, ['smoke.cjs']).stdout.trim()} names`;
});
check(`implementation === 'native', loaded from ${hostPackage}`, () => {
  const code = `const m = require('@switchyard/node'); const path = require.resolve(${JSON.stringify(hostPackage)});
    console.log(JSON.stringify([m.implementation, String(m.nativeLoadError), path]));`;
  const r = run(appExpress, ['-e', code], { SWITCHYARD_IMPLEMENTATION: 'native' });
  const [implementation, , path] = JSON.parse(r.stdout);
  assert(implementation === 'native', r.stdout);
  assert(path.startsWith(join(appExpress, 'node_modules')), `platform package at ${path}`);
  assert(r.stderr === '', `stderr: ${r.stderr}`);
  assert(
    !existsSync(join(appExpress, 'node_modules', '@switchyard', 'node', 'switchyard.node')),
    'a local build was installed',
  );
});
check('--omit=optional: the fallback runs, with one SWITCHYARD_NATIVE_FALLBACK warning', () => {
  const r = run(appFastify, ['smoke.mjs']);
  const { implementation } = JSON.parse(r.stdout.trim().split('\n').pop());
  assert(implementation === 'fallback', `implementation ${implementation}`);
  const warnings = r.stderr.match(/\[SWITCHYARD_NATIVE_FALLBACK\]/g) ?? [];
  assert(warnings.length === 1, `expected one warning, stderr: ${r.stderr}`);
  assert(
    /optional dependencies/.test(r.stderr) && r.stderr.includes(hostPackage),
    `the warning does not say how: ${r.stderr}`,
  );
  const quiet = run(appFastify, ['smoke.mjs'], { SWITCHYARD_IMPLEMENTATION: 'fallback' });
  assert(quiet.stderr === '', `SWITCHYARD_IMPLEMENTATION=fallback still warns: ${quiet.stderr}`);
  return 'silenced by SWITCHYARD_IMPLEMENTATION=fallback';
});

// A strict TypeScript consumer, per app: the public types of every entry point, and the adapter
// of the framework that app has (a user of the Fastify adapter has Fastify's types, and so on).
const tsProgram = (framework) => `
import { Router, RateLimiter, InvalidRouteError, ClientIpResolver, type Match, type RouteSpec } from '@switchyard/node';
import { Router as CoreRouter, type Resolution } from '@switchyard/core';
import { createGateway } from '@switchyard/adapters/proxy';
import { loadConfig } from '@switchyard/adapters/gateway';
import { RedisRateLimiter } from '@switchyard/adapters';
${framework === 'express' ? "import { gateway as adapter } from '@switchyard/adapters/express';" : "import adapter from '@switchyard/adapters/fastify';"}
import { createServer } from 'node:http';

const router: Router<string> = new Router<string>();
const spec: RouteSpec = { method: 'GET', path: '/users/:id' };
router.add(spec, 'user');
const match: Match<string> | null = router.match({ method: 'GET', path: '/users/1' });
const id: string | undefined = match?.params.id;
const pattern: string | undefined = match?.pattern;
const resolution: Resolution<string> = router.resolve({ path: '/users/1' });
const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 1 });
const allowed: boolean = limiter.take('k').allowed;
const reference = new CoreRouter<number>();
const ips = new ClientIpResolver();
createServer((req, res) => res.end(ips.key(req)));
let e: unknown;
if (e instanceof InvalidRouteError) console.log(e.code, e.routeIndex);
export const used = [id, pattern, resolution, allowed, reference, createGateway, loadConfig, adapter, RedisRateLimiter];
`;
for (const [label, moduleKind, resolution] of [
  ['nodenext', 'NodeNext', 'NodeNext'],
  ['bundler', 'ESNext', 'Bundler'],
]) {
  for (const [app, framework] of [
    [() => appExpress, 'express'],
    [() => appFastify, 'fastify'],
  ]) {
    check(`strict TypeScript consumer (${label}; app with ${framework})`, () => {
      const dir = join(app(), `ts-${label}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(join(dir, 'index.ts'), tsProgram(framework));
      const tsconfig = {
        compilerOptions: {
          strict: true,
          module: moduleKind,
          moduleResolution: resolution,
          target: 'ES2022',
          noEmit: true,
          skipLibCheck: false,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          types: ['node'],
        },
        files: ['index.ts'],
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      run(dir, [typescript, '-p', 'tsconfig.json']);
    });
  }
}

const example = join(root, 'examples', 'gateway.yaml');
check('`switchyard --help` and `switchyard check examples/gateway.yaml` (the installed bin)', () => {
  const bin = join(appExpress, 'node_modules', '.bin', 'switchyard');
  const help = sh(bin, ['--help'], { cwd: appExpress, env });
  assert(/switchyard serve/.test(help.stdout), `--help: ${help.out}`);
  const checked = sh(bin, ['check', example], { cwd: appExpress, env });
  assert(/route/i.test(checked.stdout), `check: ${checked.out}`);
  const bad = join(appExpress, 'bad.yaml');
  writeFileSync(bad, 'routes:\n  - path: /x\n    nonsense: 1\n');
  const failedCheck = sh(bin, ['check', bad], { cwd: appExpress, env, allowFail: true });
  assert(
    failedCheck.status === 1 && /bad\.yaml:\d+:\d+/.test(failedCheck.out),
    `check of an invalid file: ${failedCheck.out}`,
  );
  return 'exit 0 on the example, 1 with file:line:col on an invalid file';
});
for (const [dir, framework, other, adapter] of [
  [() => appExpress, 'express', 'fastify', '@switchyard/adapters/express'],
  [() => appFastify, 'fastify', 'express', '@switchyard/adapters/fastify'],
]) {
  check(`${adapter} loads (import and require) without ${other} installed`, () => {
    const code = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      let missing = false;
      try { require.resolve(${JSON.stringify(other)}); } catch { missing = true; }
      if (!missing) throw new Error(${JSON.stringify(`${other} is installed`)});
      require.resolve(${JSON.stringify(framework)});
      const esm = await import(${JSON.stringify(adapter)});
      const cjs = require(${JSON.stringify(adapter)});
      console.log(Object.keys(esm).length > 0 && Object.keys(cjs).length > 0);`;
    const r = run(dir(), ['--input-type=module', '-e', code]);
    assert(r.stdout.trim() === 'true', r.out);
  });
}

finish();

function finish() {
  // SWITCHYARD_RELEASE_CHECK_KEEP=1 keeps the tarballs and apps, to look into a failure.
  if (process.env.SWITCHYARD_RELEASE_CHECK_KEEP === '1') console.log(`release-check: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  console.log(`\nrelease-check: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`release-check: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}
