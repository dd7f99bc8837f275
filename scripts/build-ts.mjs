#!/usr/bin/env node
// Builds the package in the current directory twice with tsc, as ES modules (dist/esm) and as
// CommonJS (dist/cjs), so it loads from both `import` and `require` with its own .d.ts each.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();
const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
// Each dist folder gets a package.json of its own (for its module type), which also makes it the
// scope of "#..." subpath imports; so the package's imports are forwarded from there by shims.
const imports = manifest.imports ?? {};
rmSync(join(cwd, 'dist'), { recursive: true, force: true });
for (const [format, module, resolution] of [
  ['esm', 'NodeNext', 'NodeNext'],
  ['cjs', 'CommonJS', 'Node10'],
]) {
  const outDir = join('dist', format);
  const args = [
    tsc,
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
    '--module',
    module,
    '--moduleResolution',
    resolution,
  ];
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  mkdirSync(join(cwd, outDir), { recursive: true });
  const forwarded = {};
  for (const [specifier, target] of Object.entries(imports)) {
    if (typeof target !== 'string' || !target.endsWith('.cjs'))
      throw new Error(`build-ts: cannot forward import ${specifier}`);
    const shim = `./import-${specifier.slice(1)}.cjs`;
    writeFileSync(join(cwd, outDir, shim), `'use strict';\nmodule.exports = require('../.${target}');\n`);
    forwarded[specifier] = shim;
  }
  const scope = { type: format === 'esm' ? 'module' : 'commonjs', imports: forwarded };
  writeFileSync(join(cwd, outDir, 'package.json'), `${JSON.stringify(scope)}\n`);
}
