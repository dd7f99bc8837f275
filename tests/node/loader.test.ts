import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYOUT } from '../../packages/node/src/layout.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodePkg = join(root, 'packages', 'node');

function runNode(
  code: string,
  { env = {}, type = 'commonjs', preload }: { env?: Record<string, string>; type?: string; preload?: string } = {},
) {
  const args = [
    ...(preload ? ['--require', preload] : []),
    ...(type === 'module' ? ['--input-type=module'] : []),
    '-e',
    code,
  ];
  const result = spawnSync(process.execPath, args, {
    cwd: nodePkg,
    // NODE_PATH as pnpm/vitest set it reaches the workspace's hoisted packages, the platform
    // package among them: a user's process has none, and the copies here must not see them.
    env: { ...process.env, NODE_PATH: '', SWITCHYARD_IMPLEMENTATION: '', ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

describe('@switchyard/node loader (built package, as users load it)', () => {
  it('has a built native addon to load', () => {
    expect(existsSync(join(nodePkg, 'switchyard.node'))).toBe(true);
  });

  it('loads the native core from require and from import', () => {
    expect(runNode(`console.log(require('@switchyard/node').implementation)`).stdout).toBe('native');
    const esm = runNode(`import { implementation } from '@switchyard/node'; console.log(implementation)`, {
      type: 'module',
    });
    expect(esm.stdout).toBe('native');
  });

  it('uses the fallback when SWITCHYARD_IMPLEMENTATION=fallback', () => {
    const out = runNode(`console.log(require('@switchyard/node').implementation)`, {
      env: { SWITCHYARD_IMPLEMENTATION: 'fallback' },
    });
    expect(out.stdout).toBe('fallback');
  });

  it('rejects an unknown SWITCHYARD_IMPLEMENTATION value with a typed error', () => {
    const out = runNode(`try { require('@switchyard/node') } catch (e) { console.log(e.name, e.code, e.argument) }`, {
      env: { SWITCHYARD_IMPLEMENTATION: 'turbo' },
    });
    expect(out.stdout).toBe('InvalidArgumentError SWITCHYARD_INVALID_ARGUMENT SWITCHYARD_IMPLEMENTATION');
  });

  it('falls back when the addon is missing, and throws with the load error as cause when native is forced', () => {
    // A copy of the package without its binary: what a user gets when the build failed.
    withCopiedPackage(false, (copy) => {
      const load = `const m = require(${JSON.stringify(join(copy, 'dist', 'cjs', 'index.js'))});`;
      const fallback = runNode(
        `${load} console.log(m.implementation, m.nativeLoadError?.code, m.nativeLoadError?.cause?.code)`,
      );
      expect(fallback.stdout, fallback.stderr).toBe('fallback SWITCHYARD_NATIVE_UNAVAILABLE MODULE_NOT_FOUND');
      // Not asked for: one warning that says how to get the native core.
      expect(fallback.stderr.match(/\[SWITCHYARD_NATIVE_FALLBACK\]/g)).toHaveLength(1);
      expect(fallback.stderr).toMatch(/install @switchyard\/node with its optional dependencies/);
      expect(fallback.stderr).toMatch(/the platform package @switchyard\/node-[\w-]+: not installed/);
      const chosen = runNode(`${load} console.log(m.implementation)`, {
        env: { SWITCHYARD_IMPLEMENTATION: 'fallback' },
      });
      expect([chosen.stdout, chosen.stderr]).toEqual(['fallback', '']);
      const forced = runNode(`try { ${load} } catch (e) { console.log(e.name, e.code, e.cause?.code) }`, {
        env: { SWITCHYARD_IMPLEMENTATION: 'native' },
      });
      expect(forced.stdout).toBe('NativeUnavailableError SWITCHYARD_NATIVE_UNAVAILABLE MODULE_NOT_FOUND');
    });
  });
});

describe('@switchyard/node loader order: SWITCHYARD_NATIVE_PATH, the local build, the platform package', () => {
  const { target } = createRequire(import.meta.url)(join(nodePkg, 'native.cjs')) as { target: string };
  // Which .node file the child process loaded.
  const loadedAddon = `console.log(JSON.stringify([m.implementation, Object.keys(require.cache).find((k) => k.endsWith('.node')) ?? null]))`;

  /** The copy gets a node_modules of its own: @switchyard/core, and the platform package when asked. */
  function ownNodeModules(copy: string, dir: string, withPlatformPackage: boolean): string {
    const platform = join(copy, 'node_modules', '@switchyard', `node-${target}`);
    if (withPlatformPackage) {
      mkdirSync(platform);
      const main = `switchyard.${target}.node`;
      writeFileSync(join(platform, 'package.json'), JSON.stringify({ name: `@switchyard/node-${target}`, main }));
      copyFileSync(join(nodePkg, 'switchyard.node'), join(platform, main));
    }
    const explicit = join(dir, 'explicit.node');
    copyFileSync(join(nodePkg, 'switchyard.node'), explicit);
    return explicit;
  }

  it('an installed package (no local build) loads its platform package; SWITCHYARD_NATIVE_PATH goes first', () => {
    withCopiedPackage(false, (copy, dir) => {
      const explicit = ownNodeModules(copy, dir, true);
      const load = `const m = require(${JSON.stringify(join(copy, 'dist', 'cjs', 'index.js'))});`;
      const platform = runNode(`${load} ${loadedAddon}`);
      expect(JSON.parse(platform.stdout), platform.stderr).toEqual([
        'native',
        join(copy, 'node_modules', '@switchyard', `node-${target}`, `switchyard.${target}.node`),
      ]);
      const chosen = runNode(`${load} ${loadedAddon}`, { env: { SWITCHYARD_NATIVE_PATH: explicit } });
      expect(JSON.parse(chosen.stdout)).toEqual(['native', explicit]);
    });
  });

  it('a source checkout loads its local build before the platform package', () => {
    withCopiedPackage(true, (copy, dir) => {
      ownNodeModules(copy, dir, true);
      const out = runNode(
        `const m = require(${JSON.stringify(join(copy, 'dist', 'cjs', 'index.js'))}); ${loadedAddon}`,
      );
      expect(JSON.parse(out.stdout), out.stderr).toEqual(['native', join(copy, 'switchyard.node')]);
    });
  });

  it('nativeLoadError lists every candidate tried and why, in order', () => {
    withCopiedPackage(false, (copy, dir) => {
      ownNodeModules(copy, dir, false);
      const out = runNode(
        `const m = require(${JSON.stringify(join(copy, 'dist', 'cjs', 'index.js'))}); console.log(m.nativeLoadError.message)`,
        { env: { SWITCHYARD_NATIVE_PATH: join(dir, 'missing.node') } },
      );
      expect(out.stdout).toMatch(
        new RegExp(
          `tried 2: \\(1\\) SWITCHYARD_NATIVE_PATH=.*missing\\.node: not installed .*\\(2\\) the platform package @switchyard/node-${target}: not installed`,
        ),
      );
    });
  });
});

/**
 * A copy of the built package in a temp dir (dist, package.json, native.cjs, and the real addon
 * unless `withAddon` is false), so a test can break it without touching the workspace.
 */
function withCopiedPackage(withAddon: boolean, body: (copy: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-loader-'));
  try {
    const copy = join(dir, 'node');
    mkdirSync(copy);
    execFileSync('cp', ['-r', join(nodePkg, 'dist'), join(copy, 'dist')]);
    const files = ['package.json', 'native.cjs', ...(withAddon ? ['switchyard.node'] : [])];
    for (const file of files) copyFileSync(join(nodePkg, file), join(copy, file));
    // Its dependency only: the workspace's node_modules also links the platform package, which
    // holds a binary once release-check has run, and the copy would then not be without one.
    mkdirSync(join(copy, 'node_modules', '@switchyard'), { recursive: true });
    symlinkSync(join(root, 'packages', 'core'), join(copy, 'node_modules', '@switchyard', 'core'));
    body(copy, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Loaded with --require before the package: after Node loads a .node file (the real addon of the
// copied package, through the package's own native.cjs), it doctors what the addon reports, as
// an addon built from other sources would. DOCTOR says how.
const DOCTOR = `'use strict';
const Module = require('node:module');
const load = Module._extensions['.node'];
Module._extensions['.node'] = function (module, filename) {
  load(module, filename);
  const real = module.exports;
  const doctored = { ...real };
  switch (process.env.DOCTOR) {
    case 'version': doctored.version = () => '0.0.0-stale'; break;
    case 'layout': doctored.layout = () => ({ ...real.layout(), routerOutputSlots: 4, decisionFields: 3 }); break;
    case 'old': delete doctored.version; delete doctored.layout; break;
    default: throw new Error('DOCTOR must be version, layout or old');
  }
  module.exports = doctored;
};
`;

describe('@switchyard/node loader handshake (a copied package whose addon differs from it)', () => {
  const cases = [
    ['version', /it is version "0\.0\.0-stale", this package "\d+\.\d+\.\d+/],
    [
      'layout',
      new RegExp(
        `data layout differs from this package's: routerOutputSlots is 4 in the addon, ${LAYOUT.routerOutputSlots} here; decisionFields is 3 in the addon, ${LAYOUT.decisionFields} here`,
      ),
    ],
    ['old', /does not report its version and data layout/],
  ] as const;

  it.each(cases)(
    'falls back when the addon reports another %s, says why in nativeLoadError, and throws when native is forced',
    (mode, why) => {
      withCopiedPackage(true, (copy, dir) => {
        const preload = join(dir, 'doctor.cjs');
        writeFileSync(preload, DOCTOR);
        const load = `const m = require(${JSON.stringify(join(copy, 'dist', 'cjs', 'index.js'))});`;
        const fallback = runNode(
          `${load} const e = m.nativeLoadError; const r = new m.Router(); r.add({ path: '/u/:id' }, 1);
         console.log(JSON.stringify([m.implementation, e?.name, e?.code, e?.message, r.match({ path: '/u/7' }).params.id]))`,
          { preload, env: { DOCTOR: mode } },
        );
        expect(fallback.stderr.match(/\[SWITCHYARD_NATIVE_FALLBACK\]/g)).toHaveLength(1);
        const [implementation, name, code, message, param] = JSON.parse(fallback.stdout) as string[];
        expect([implementation, name, code, param]).toEqual([
          'fallback',
          'NativeUnavailableError',
          'SWITCHYARD_NATIVE_UNAVAILABLE',
          '7',
        ]);
        expect(message).toMatch(why);
        expect(message).toMatch(/rebuild it/);
        const forced = runNode(
          `try { ${load} } catch (e) { console.log(JSON.stringify([e.name, e.code, e.message])) }`,
          {
            preload,
            env: { DOCTOR: mode, SWITCHYARD_IMPLEMENTATION: 'native' },
          },
        );
        const [forcedName, forcedCode, forcedMessage] = JSON.parse(forced.stdout) as string[];
        expect([forcedName, forcedCode]).toEqual(['NativeUnavailableError', 'SWITCHYARD_NATIVE_UNAVAILABLE']);
        expect(forcedMessage).toMatch(/^SWITCHYARD_IMPLEMENTATION=native but the native addon could not be used: /);
        expect(forcedMessage).toMatch(why);
      });
    },
  );

  it('the same copy with its addon untouched loads native (the copy itself is sound), from require and import', () => {
    withCopiedPackage(true, (copy) => {
      const cjs = runNode(
        `console.log(require(${JSON.stringify(join(copy, 'dist', 'cjs', 'index.js'))}).implementation)`,
      );
      expect(cjs.stdout, cjs.stderr).toBe('native');
      const esm = runNode(
        `const m = await import(${JSON.stringify(join(copy, 'dist', 'esm', 'index.js'))}); console.log(m.implementation)`,
        { type: 'module' },
      );
      expect(esm.stdout, esm.stderr).toBe('native');
    });
  });
});

describe('native boundary', () => {
  it('turns a Rust panic into a typed InternalError instead of aborting the process', async () => {
    const { nativeBinding } = await import('../../packages/node/src/implementation.js');
    const { testingExports } = await import('../../packages/node/src/binding.js');
    const { fromNativeError } = await import('../../packages/node/src/native-errors.js');
    const { InternalError } = await import('@switchyard/core');
    const binding = testingExports(nativeBinding);
    let caught: unknown;
    try {
      binding.panicForTest();
    } catch (error) {
      caught = fromNativeError(error);
    }
    expect(caught).toBeInstanceOf(InternalError);
    expect((caught as Error).message).toContain('deliberate panic');
    // The process is still alive and the addon still answers.
    expect(binding.noop()).toBe(0);
  });
});
