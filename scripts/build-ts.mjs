#!/usr/bin/env node
// Builds the package in the current directory so that `import` and `require` reach ONE copy of
// its code: the CommonJS build (dist/cjs) holds the implementation, and dist/esm holds, per
// entry point of the package's "exports", a small ES module that re-exports that CJS module by
// name, beside ES-flavoured .d.ts files. Two full builds would give two copies of every class:
// an error thrown through `require` would not be `instanceof` the class a user `import`ed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();
const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
// Each dist folder gets a package.json of its own (for its module type), which also makes it the
// scope of "#..." subpath imports; so the package's imports are forwarded from there by shims.
const imports = manifest.imports ?? {};

/**
 * What the build reads, hashed: this script, the compiler's version, the package's manifest and
 * tsconfig files, every file under src/, and the stamps of the workspace packages it depends on
 * (their declarations are its input too). Equal to dist/.build-stamp: dist is that build already.
 */
function fingerprint() {
  const hash = createHash('sha256');
  const add = (label, data) => hash.update(`${label}\0${data.length}\0`).update(data);
  add('script', readFileSync(fileURLToPath(import.meta.url)));
  add('typescript', require('typescript/package.json').version);
  for (const file of ['package.json', 'tsconfig.build.json', 'tsconfig.json', '../../tsconfig.base.json']) {
    if (existsSync(join(cwd, file))) add(file, readFileSync(join(cwd, file)));
  }
  const walk = (dir) => {
    for (const entry of readdirSync(join(cwd, dir), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else add(path, readFileSync(join(cwd, path)));
    }
  };
  if (existsSync(join(cwd, 'src'))) walk('src');
  const own = createRequire(join(cwd, 'package.json'));
  for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (typeof range !== 'string' || !range.startsWith('workspace:')) continue;
    const stamp = join(dirname(own.resolve(`${name}/package.json`)), 'dist', STAMP);
    add(name, existsSync(stamp) ? readFileSync(stamp) : 'unbuilt');
  }
  return hash.digest('hex');
}

const STAMP = '.build-stamp';
const stampNow = fingerprint();
const stampFile = join(cwd, 'dist', STAMP);
if (
  process.env.SWITCHYARD_BUILD_FORCE !== '1' &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8') === stampNow
) {
  console.error(`build-ts: ${manifest.name} is up to date (SWITCHYARD_BUILD_FORCE=1 rebuilds it)`);
  process.exit(0);
}
rmSync(join(cwd, 'dist'), { recursive: true, force: true });

function compile(outDir, extra) {
  const args = [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, ...extra];
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function scope(format) {
  const outDir = join('dist', format);
  mkdirSync(join(cwd, outDir), { recursive: true });
  const forwarded = {};
  if (format === 'cjs') {
    for (const [specifier, target] of Object.entries(imports)) {
      if (typeof target !== 'string' || !target.endsWith('.cjs'))
        throw new Error(`build-ts: cannot forward import ${specifier}`);
      const shim = `./import-${specifier.slice(1)}.cjs`;
      writeFileSync(join(cwd, outDir, shim), `'use strict';\nmodule.exports = require('../.${target}');\n`);
      forwarded[specifier] = shim;
    }
  }
  const json = { type: format === 'esm' ? 'module' : 'commonjs', ...(format === 'cjs' ? { imports: forwarded } : {}) };
  writeFileSync(join(cwd, outDir, 'package.json'), `${JSON.stringify(json)}\n`);
}

compile(join('dist', 'cjs'), ['--module', 'CommonJS', '--moduleResolution', 'Node10']);
scope('cjs');
compile(join('dist', 'esm'), ['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--emitDeclarationOnly']);
scope('esm');

// One ES wrapper per entry point. Its names are read from the CJS module itself (in a child
// process, so this script's own module cache stays clean), which is what Node's import of it
// would expose; the wrapper lists them so that no static analysis of tsc's output is needed.
for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
  const esm = conditions?.import?.default;
  const cjs = conditions?.require?.default;
  if (typeof esm !== 'string' || typeof cjs !== 'string') continue;
  const probe = spawnSync(
    process.execPath,
    ['-e', `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(join(cwd, cjs))}))))`],
    { cwd, encoding: 'utf8', env: { ...process.env, SWITCHYARD_IMPLEMENTATION: 'fallback' } },
  );
  if (probe.status !== 0) {
    process.stderr.write(probe.stderr);
    throw new Error(`build-ts: cannot load ${cjs} to list the names of ${subpath}`);
  }
  const names = JSON.parse(probe.stdout).filter((n) => n !== 'default' && n !== '__esModule');
  const hasDefault = JSON.parse(probe.stdout).includes('default');
  let from = relative(dirname(join(cwd, esm)), join(cwd, cjs))
    .split('\\')
    .join('/');
  if (!from.startsWith('.')) from = `./${from}`;
  const lines = [
    `// Re-exports the CommonJS build, so that import and require share one copy (see scripts/build-ts.mjs).`,
    `import cjs from ${JSON.stringify(from)};`,
  ];
  if (names.length > 0) lines.push(`export const { ${names.join(', ')} } = cjs;`);
  if (hasDefault) lines.push('export default cjs.default;');
  mkdirSync(dirname(join(cwd, esm)), { recursive: true });
  writeFileSync(join(cwd, esm), `${lines.join('\n')}\n`);
}

// Last, so that a build that failed part-way is never taken for a finished one.
writeFileSync(stampFile, stampNow);
