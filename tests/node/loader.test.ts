import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodePkg = join(root, 'packages', 'node');

function runNode(code: string, { env = {}, type = 'commonjs' }: { env?: Record<string, string>; type?: string } = {}) {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code];
  const result = spawnSync(process.execPath, args, {
    cwd: nodePkg,
    env: { ...process.env, SWITCHYARD_IMPLEMENTATION: '', ...env },
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
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-loader-'));
    try {
      const copy = join(dir, 'node');
      mkdirSync(copy);
      execFileSync('cp', ['-r', join(nodePkg, 'dist'), join(copy, 'dist')]);
      for (const file of ['package.json', 'native.cjs']) copyFileSync(join(nodePkg, file), join(copy, file));
      symlinkSync(join(nodePkg, 'node_modules'), join(copy, 'node_modules'));
      const load = `const m = require(${JSON.stringify(join(copy, 'dist', 'cjs', 'index.js'))});`;
      const fallback = runNode(`${load} console.log(m.implementation, m.nativeLoadError?.code)`);
      expect(fallback.stdout, fallback.stderr).toBe('fallback MODULE_NOT_FOUND');
      const forced = runNode(`try { ${load} } catch (e) { console.log(e.name, e.code, e.cause?.code) }`, {
        env: { SWITCHYARD_IMPLEMENTATION: 'native' },
      });
      expect(forced.stdout).toBe('NativeUnavailableError SWITCHYARD_NATIVE_UNAVAILABLE MODULE_NOT_FOUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
